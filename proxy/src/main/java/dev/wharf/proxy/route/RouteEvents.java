package dev.wharf.proxy.route;

import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the route cache honest: subscribes to {@code wharf:routes} (a frontend changed), Hipache's {@code dead}
 * channel (a backend was marked dead for a request host: refresh, and {@link BackendProbe} watches it) and
 * {@code wharf:alive} (a probe found it answering again), retrying until Redis answers; and passes on
 * {@code wharf:tls} (a certificate changed), to save a second subscription.
 * After Lettuce reconnects and re-subscribes, messages may have been lost, so every cached answer is refreshed
 * (and served meanwhile). Changes that publish nothing (a hand edit) come from {@link KeyTracking}, started here
 * on the same Redis.
 *
 * <p>Callbacks run on Lettuce's event loop and only touch the in-memory cache: never a blocking call there.
 */
public final class RouteEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouteEvents.class);
    static final long RETRY_MILLIS = 1000;

    private final RedisConnection redis;
    private final RouteKeys keys;
    private final RouteChanges changes;
    private final KeyTracking tracking;
    private final ProxyMetrics metrics;
    private final BackendProbe probe;
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("wharf-route-events", true));
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile boolean subscribedBefore;
    private volatile boolean subscribed;
    private volatile boolean closed;

    /**
     * @param redis              where to subscribe: the replica lookups go to, so a message comes after its data
     * @param routeChanged       told of every changed frontend after the cache (its host)
     * @param certificateChanged told of every host whose certificate in Redis changed
     */
    public RouteEvents(RedisConnection redis, RouteCache cache, DeadBackends dead, ProxyMetrics metrics, BackendProbe probe,
                       Consumer<String> routeChanged, Consumer<String> certificateChanged) {
        this.probe = probe;
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
        this.changes = new RouteChanges(cache, dead, routeChanged, certificateChanged);
        this.tracking = new KeyTracking(redis, keys, changes, retry);
        this.metrics = metrics;
    }

    public void start() {
        subscribe();
        tracking.start();
    }

    /** True while Redis reports hand-edited keys (Redis 6+). */
    public boolean tracking() {
        return tracking.tracking();
    }

    private void subscribe() {
        redis.connectPubSub().whenComplete((pubSub, error) -> {
            if (error != null) {
                if (!closed) {
                    log.debug("route events: Redis unreachable ({}); retrying", error.getMessage());
                    retry.schedule(this::subscribe, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
                return;
            }
            connection = pubSub;
            pubSub.addListener(new Listener());
            pubSub.async().subscribe(keys.routesChannel(), RouteKeys.DEAD_CHANNEL, keys.aliveChannel(), keys.tlsChannel());
        });
    }

    /** True while subscribed (the connection is open); part of the proxy's readiness. */
    public boolean subscribed() {
        return subscribed && connection != null && connection.isOpen();
    }

    private final class Listener extends RedisPubSubAdapter<String, String> {
        @Override
        public void message(String channel, String message) {
            if (channel.equals(keys.tlsChannel())) {
                changes.certificate(message);
                return;
            }
            metrics.routeChange();
            if (channel.equals(RouteKeys.DEAD_CHANNEL)) {
                changes.requestHost(MarkedBackend.requestHostOf(message));
                probe.marked(message);
            } else if (channel.equals(keys.aliveChannel())) {
                MarkedBackend alive = MarkedBackend.parse(message, 2);
                if (alive != null) {
                    try {
                        changes.alive(BackendUrl.parse(alive.url()));
                    } catch (InvalidRouteException ignored) {
                        // not a backend URL: nothing to forget
                    }
                }
                changes.requestHost(MarkedBackend.requestHostOf(message));
            } else {
                changes.frontend(message);
            }
        }

        @Override
        public void subscribed(String channel, long count) {
            if (channel.equals(keys.routesChannel())) {
                if (subscribedBefore) {
                    log.info("route events: re-subscribed after a reconnect; refreshing every cached route");
                    changes.everything();
                }
                subscribedBefore = true;
                subscribed = true;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        retry.shutdownNow();
        tracking.close();
        if (connection != null) {
            connection.close();
        }
    }
}

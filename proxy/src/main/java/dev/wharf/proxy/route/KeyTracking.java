package dev.wharf.proxy.route;

import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Redis 6+ client-side caching in broadcast mode ({@code CLIENT TRACKING ON BCAST PREFIX ...}) on a connection of
 * its own: Redis names every changed key under the {@link TrackedKey#prefixes route prefixes}, so a route edited
 * by hand with {@code redis-cli}, which publishes nothing, is seen at once rather than after the cache TTL.
 *
 * <p>Tracking lives and dies with the connection: after Lettuce reconnects it, tracking is turned on again and
 * every cached answer refreshed, since changes made meanwhile were not reported. A Redis without tracking (5 and
 * older) is told once in the log; {@code wharf:routes} messages keep working there.
 */
final class KeyTracking implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyTracking.class);

    private final RedisConnection redis;
    private final RouteKeys keys;
    private final RouteChanges changes;
    /** {@link RouteEvents}' thread for connection retries, which it shuts down. */
    private final ScheduledExecutorService retry;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean tracking;
    private volatile boolean closed;

    KeyTracking(RedisConnection redis, RouteKeys keys, RouteChanges changes, ScheduledExecutorService retry) {
        this.redis = redis;
        this.keys = keys;
        this.changes = changes;
        this.retry = retry;
    }

    void start() {
        redis.connectDedicated().whenComplete((opened, error) -> {
            if (error != null) {
                if (!closed) {
                    log.debug("key tracking: Redis unreachable ({}); retrying", error.getMessage());
                    retry.schedule(this::start, RouteEvents.RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
                return;
            }
            connection = opened;
            opened.addListener(this::pushed);
            opened.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                    track(true);
                }

                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                    tracking = false;
                }
            });
            track(false);
        });
    }

    /** True while Redis reports changed keys on this connection. */
    boolean tracking() {
        return tracking && connection != null && connection.isOpen();
    }

    private void track(boolean reconnected) {
        StatefulRedisConnection<String, String> open = connection;
        if (open == null || closed) {
            return;
        }
        TrackingArgs args = TrackingArgs.Builder.enabled().bcast().prefixes(TrackedKey.prefixes(keys).toArray(String[]::new));
        open.async().clientTracking(args).whenComplete((ok, error) -> {
            if (error != null) {
                log.info("key tracking: Redis refused CLIENT TRACKING ({}); hand edits that publish nothing are seen"
                        + " within the cache TTL", error.getMessage());
                open.closeAsync();
                return;
            }
            tracking = true;
            if (reconnected) {
                changes.everything();
            }
        });
    }

    /** Runs on Lettuce's event loop: one message names every key changed under one prefix since the last. */
    private void pushed(PushMessage message) {
        if (!message.getType().equals("invalidate")) {
            return;
        }
        List<Object> content = message.getContent(StringCodec.UTF8::decodeKey);
        Object names = content.size() < 2 ? null : content.get(1);
        if (!(names instanceof List<?> list)) {
            changes.everything(); // null: FLUSHALL, FLUSHDB, or a replica's full resync
            return;
        }
        Set<TrackedKey> changed = new LinkedHashSet<>();
        for (Object name : list) {
            TrackedKey key = name instanceof String text ? TrackedKey.of(keys, text) : null;
            if (key != null) {
                changed.add(key);
            }
        }
        for (TrackedKey key : changed) {
            switch (key.kind()) {
                case FRONTEND -> changes.frontend(key.host());
                case REQUEST_HOST -> changes.requestHost(key.host());
                case CERTIFICATE -> changes.certificate(key.host());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, String> open = connection;
        if (open != null) {
            open.close();
        }
    }
}

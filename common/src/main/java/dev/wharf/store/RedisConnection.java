package dev.wharf.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process's Redis client: one command connection, opened on first use and again after a failed attempt, so that a program may start
 * while Redis is down. Once open, Lettuce reconnects it by itself.
 *
 * <p>Commands never wait for Redis: while disconnected they are rejected at once, and every command has a
 * timeout, so a caller (a proxied request) is answered quickly instead of hanging.
 *
 * <p>Callers that arrive while the connection is being opened are released first come, first served; a plain
 * {@code thenCompose} on the connecting future would run them in reverse order, so an "add" and a later
 * "remove" of the same backend could reach Redis the wrong way round.
 *
 * <p>A Redis that comes back may have lost writes (restarted without persistence, a failover to a replica that
 * lagged): {@link #onReconnect} tells whoever must write its state again. Lettuce retries at most every
 * {@link #MAX_RECONNECT_DELAY}, not its default 30 s, so that happens within a second of Redis.
 */
public final class RedisConnection implements AutoCloseable {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RETRY_AFTER = Duration.ofMillis(500);
    static final Duration MAX_RECONNECT_DELAY = Duration.ofMillis(500);

    private final ClientResources resources;
    private final boolean ownResources;

    private final RedisClient client;
    private final RedisTarget target;
    private final Queue<CompletableFuture<RedisAsyncCommands<String, String>>> waiting = new ArrayDeque<>();
    private StatefulRedisConnection<String, String> connection;
    private boolean connecting;
    private Throwable lastFailure;
    private long lastFailureNanos;
    private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean activatedBefore = new AtomicBoolean();

    public RedisConnection(RedisTarget target) {
        this(target, resources(), true);
    }

    /**
     * A client on threads it shares with others ({@link #sharedResources}), which it neither owns nor shuts down:
     * for programs that play many agents and proxies at once (the scale simulation). Reconnect events are then
     * every sharing client's, so {@link #onReconnect} is for owners only.
     */
    public static RedisConnection sharing(RedisTarget target, ClientResources shared) {
        return new RedisConnection(target, shared, false);
    }

    /** Threads and the reconnect policy of this class, to be shared by {@link #sharing} clients. */
    public static ClientResources sharedResources() {
        return resources();
    }

    private RedisConnection(RedisTarget target, ClientResources resources, boolean ownResources) {
        this.target = target;
        this.resources = resources;
        this.ownResources = ownResources;
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
    }

    /**
     * Runs {@code listener} each time a connection of this client is established again after it was lost (not
     * the first time; a pub/sub connection opened later counts as one). It runs on a Lettuce thread: it must
     * not block.
     */
    public void onReconnect(Runnable listener) {
        if (!ownResources) {
            throw new IllegalStateException("reconnect events of shared resources are not this client's");
        }
        if (reconnectListeners.isEmpty()) {
            // These resources are this client's own, so every event on their bus is about its connections.
            resources.eventBus().get()
                    .filter(ConnectionActivatedEvent.class::isInstance)
                    .subscribe(event -> {
                        if (activatedBefore.getAndSet(true)) {
                            reconnectListeners.forEach(Runnable::run);
                        }
                    });
        }
        reconnectListeners.add(listener);
    }

    /** Lettuce's threads, and a reconnect policy that tries again within half a second, not its default 30 s. */
    private static ClientResources resources() {
        return ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /**
     * A pub/sub connection of the same client (threads, reconnect policy, timeouts): one Lettuce client per
     * process. Lettuce reconnects it and subscribes again by itself.
     */
    public CompletionStage<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
        return client.connectPubSubAsync(StringCodec.UTF8, target.uri());
    }

    /**
     * A command connection of its own, for state that lives with one connection ({@code CLIENT TRACKING}): not
     * shared, reconnected by Lettuce, closed by the caller.
     */
    public CompletionStage<StatefulRedisConnection<String, String>> connectDedicated() {
        return client.connectAsync(StringCodec.UTF8, target.uri());
    }

    public RedisTarget target() {
        return target;
    }

    /** True while the connection is open (Lettuce reconnects it when Redis comes back). */
    public synchronized boolean connected() {
        return connection != null && connection.isOpen();
    }

    /** The commands of the open connection, opening it first if needed (at most one attempt per half second). */
    public synchronized CompletionStage<RedisAsyncCommands<String, String>> async() {
        if (connection != null) {
            return CompletableFuture.completedFuture(connection.async());
        }
        if (!connecting && lastFailure != null && System.nanoTime() - lastFailureNanos < RETRY_AFTER.toNanos()) {
            return CompletableFuture.failedFuture(lastFailure);
        }
        // Queued before connecting: a connect that fails at once completes the waiters on this very thread.
        CompletableFuture<RedisAsyncCommands<String, String>> waiter = new CompletableFuture<>();
        waiting.add(waiter);
        if (!connecting) {
            connecting = true;
            client.connectAsync(StringCodec.UTF8, target.uri()).whenComplete(this::connected);
        }
        return waiter;
    }

    private void connected(StatefulRedisConnection<String, String> opened, Throwable failure) {
        while (true) {
            List<CompletableFuture<RedisAsyncCommands<String, String>>> batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    connecting = false;
                    connection = opened;
                    lastFailure = failure;
                    lastFailureNanos = System.nanoTime();
                    return;
                }
                batch = new ArrayList<>(waiting);
                waiting.clear();
            }
            // Outside the lock: completing a waiter runs its command, and new callers keep queueing meanwhile.
            for (CompletableFuture<RedisAsyncCommands<String, String>> waiter : batch) {
                if (failure == null) {
                    waiter.complete(opened.async());
                } else {
                    waiter.completeExceptionally(failure);
                }
            }
        }
    }

    /** Not synchronized: shutting down waits for Lettuce's threads, which may be about to call {@link #connected}. */
    @Override
    public void close() {
        StatefulRedisConnection<String, String> open;
        synchronized (this) {
            open = connection;
        }
        if (open != null) {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (ownResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}

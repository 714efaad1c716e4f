package dev.wharf.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One Redis connection, opened on first use and again after a failed attempt, so that a program may start
 * while Redis is down. Once open, Lettuce reconnects it by itself.
 *
 * <p>Commands never wait for Redis: while disconnected they are rejected at once, and every command has a
 * timeout, so a caller (a proxied request) is answered quickly instead of hanging.
 *
 * <p>Callers that arrive while the connection is being opened are released first come, first served; a plain
 * {@code thenCompose} on the connecting future would run them in reverse order, so an "add" and a later
 * "remove" of the same backend could reach Redis the wrong way round.
 */
public final class RedisConnection implements AutoCloseable {

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RETRY_AFTER = Duration.ofMillis(500);

    private final RedisClient client;
    private final RedisTarget target;
    private final Queue<CompletableFuture<RedisAsyncCommands<String, String>>> waiting = new ArrayDeque<>();
    private StatefulRedisConnection<String, String> connection;
    private boolean connecting;
    private Throwable lastFailure;
    private long lastFailureNanos;

    public RedisConnection(RedisTarget target) {
        this.target = target;
        this.client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
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
    }
}

package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections to h2c backends for one event loop, confined to it like {@link BackendPool}: exchanges of
 * the loop share a connection per backend, one stream each, and a further connection opens only when the
 * backend's stream limit is reached (at most {@code maxConnections}). Connections without a stream for
 * {@link #IDLE_SECONDS} are closed by one sweep.
 */
final class Http2Pool {

    private static final int IDLE_SECONDS = 30;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(IDLE_SECONDS);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxConnections;
    // Concurrent only so that the metrics gauge may read it from another thread.
    private final Map<BackendUrl, List<Http2Backend>> connections = new ConcurrentHashMap<>();

    Http2Pool(EventLoop loop, Class<? extends SocketChannel> channelType, int maxConnections, Duration connectTimeout) {
        this.loop = loop;
        this.maxConnections = maxConnections;
        // The connection reads on: each stream reads only as fast as its exchange forwards, and what the
        // backend may send meanwhile is bounded by the windows HTTP/2 flow control grants.
        this.bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true);
        loop.scheduleWithFixedDelay(this::closeIdle, IDLE_SECONDS, IDLE_SECONDS / 2, TimeUnit.SECONDS);
    }

    Future<BackendLease> acquire(BackendUrl backend) {
        List<Http2Backend> open = connections.computeIfAbsent(backend, b -> new ArrayList<>());
        for (Http2Backend connection : open) {
            if (connection.accepting()) {
                return connection.lease();
            }
        }
        if (open.size() >= maxConnections) {
            return loop.newFailedFuture(new PoolBusyException(
                    "all " + maxConnections + " HTTP/2 connections to " + backend + " at the backend's stream limit"));
        }
        Http2Backend connection = new Http2Backend(bootstrap, backend);
        open.add(connection);
        connection.closeFuture().addListener(closed -> open.remove(connection));
        return connection.lease();
    }

    /** Open connections of this loop, for a metrics gauge (a racy read, good enough for a gauge). */
    int openConnections() {
        int open = 0;
        for (List<Http2Backend> list : connections.values()) {
            open += list.size();
        }
        return open;
    }

    private void closeIdle() {
        long now = System.nanoTime();
        for (List<Http2Backend> list : connections.values()) {
            for (Http2Backend connection : List.copyOf(list)) {
                if (connection.idleFor(IDLE_NANOS, now)) {
                    connection.close();
                }
            }
        }
        connections.values().removeIf(List::isEmpty);
    }
}

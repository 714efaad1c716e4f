package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to backends for one event loop. Every method runs on that loop (the client
 * connections it serves live there too), which is why nothing here is locked or volatile.
 * At most {@code maxSockets} connections per backend are open; further requests wait for one to free up,
 * for at most the connect timeout. Idle connections are closed after {@link #IDLE_SECONDS} by one sweep per
 * pool, not a timer per connection (an {@code IdleStateHandler} would hook every read and write).
 */
final class BackendPool {

    private static final int IDLE_SECONDS = 30;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(IDLE_SECONDS);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final SslContext tls;
    private final int maxSockets;
    private final Duration connectTimeout;
    // Concurrent only so that the metrics gauge may read it from another thread.
    private final Map<BackendUrl, Slot> slots = new ConcurrentHashMap<>();

    /** An open connection and the handler that hands its reads to the exchange holding it. */
    private static final class Pooled {
        final Channel channel;
        final BackendHandler handler;
        long idleSince;

        Pooled(Channel channel, BackendHandler handler) {
            this.channel = channel;
            this.handler = handler;
        }
    }

    private static final class Slot {
        final ArrayDeque<Pooled> idle = new ArrayDeque<>();
        final ArrayDeque<Promise<BackendLease>> waiting = new ArrayDeque<>();
        int open;
    }

    BackendPool(EventLoop loop, Class<? extends SocketChannel> channelType, SslContext tls, int maxSockets,
                Duration connectTimeout) {
        this.loop = loop;
        this.tls = tls;
        this.maxSockets = maxSockets;
        this.connectTimeout = connectTimeout;
        this.bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false);
        loop.scheduleWithFixedDelay(this::closeIdle, IDLE_SECONDS, IDLE_SECONDS / 2, TimeUnit.SECONDS);
    }

    /** Closes what has been idle for {@link #IDLE_SECONDS}; the oldest idle connections are first in each queue. */
    private void closeIdle() {
        long now = System.nanoTime();
        for (Slot slot : slots.values()) {
            Pooled oldest;
            while ((oldest = slot.idle.peekFirst()) != null && now - oldest.idleSince >= IDLE_NANOS) {
                slot.idle.pollFirst();
                oldest.channel.close();
            }
        }
    }

    /** The most recently used idle connection, else a new one (or a wait while the backend is at its limit). */
    Future<BackendLease> acquire(BackendUrl backend) {
        Slot slot = slots.computeIfAbsent(backend, b -> new Slot());
        Pooled pooled;
        while ((pooled = slot.idle.pollLast()) != null) {
            if (pooled.channel.isActive()) {
                return loop.newSucceededFuture(new Lease(backend, pooled, true));
            }
        }
        Promise<BackendLease> promise = loop.newPromise();
        if (slot.open < maxSockets) {
            connect(backend, slot, promise);
        } else {
            slot.waiting.add(promise);
            loop.schedule(() -> promise.tryFailure(new PoolBusyException(
                    "all " + maxSockets + " connections to " + backend + " busy")), connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return promise;
    }

    /** Open connections of this loop, for a metrics gauge (a racy read, good enough for a gauge). */
    int openConnections() {
        int open = 0;
        for (Slot slot : slots.values()) {
            open += slot.open;
        }
        return open;
    }

    /** A connection back after an exchange: to a waiting request, else idle; one that cannot be reused is closed. */
    private void giveBack(BackendUrl backend, Pooled pooled, boolean reusable) {
        Slot slot = slots.get(backend);
        if (!reusable || !pooled.channel.isActive() || slot == null) {
            pooled.channel.close();
            return;
        }
        Promise<BackendLease> waiter;
        while ((waiter = slot.waiting.poll()) != null) {
            if (waiter.trySuccess(new Lease(backend, pooled, true))) {
                return;
            }
        }
        pooled.idleSince = System.nanoTime();
        slot.idle.addLast(pooled);
        // A read pending while idle is how a backend's close (or stray bytes) is noticed before reuse.
        pooled.channel.read();
    }

    private void connect(BackendUrl backend, Slot slot, Promise<BackendLease> promise) {
        slot.open++;
        BackendHandler handler = new BackendHandler();
        bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (backend.scheme().equals("https")) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), backend.host(), backend.port()));
                }
                ch.pipeline().addLast(new HttpClientCodec(4096, 16384, 65536), handler);
            }
        }).connect(backend.host(), backend.port()).addListener((ChannelFuture future) -> {
            if (future.isSuccess()) {
                Pooled pooled = new Pooled(future.channel(), handler);
                future.channel().closeFuture().addListener(closed -> closed(backend, slot, pooled));
                if (!promise.trySuccess(new Lease(backend, pooled, false))) {
                    giveBack(backend, pooled, true);
                }
            } else {
                slot.open--;
                promise.tryFailure(future.cause());
                serveWaiter(backend, slot);
            }
        });
    }

    private void closed(BackendUrl backend, Slot slot, Pooled pooled) {
        slot.open--;
        slot.idle.remove(pooled);
        serveWaiter(backend, slot);
    }

    private void serveWaiter(BackendUrl backend, Slot slot) {
        Promise<BackendLease> waiter;
        while (slot.open < maxSockets && (waiter = slot.waiting.poll()) != null) {
            if (!waiter.isDone()) {
                connect(backend, slot, waiter);
            }
        }
    }

    private final class Lease implements BackendLease {
        private final BackendUrl backend;
        private final Pooled pooled;
        private final boolean reused;
        private boolean over;

        Lease(BackendUrl backend, Pooled pooled, boolean reused) {
            this.backend = backend;
            this.pooled = pooled;
            this.reused = reused;
        }

        @Override
        public Channel channel() {
            return pooled.channel;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public void attach(BackendListener listener) {
            pooled.handler.attach(listener);
        }

        @Override
        public void release(boolean reusable) {
            if (!over) {
                over = true;
                pooled.handler.detach();
                giveBack(backend, pooled, reusable);
            }
        }

        @Override
        public Channel upgrade(ChannelHandler relay) {
            over = true;
            ChannelPipeline pipeline = pooled.channel.pipeline();
            pipeline.remove(HttpClientCodec.class);
            pooled.handler.detach();
            pipeline.replace(pooled.handler, "relay", relay);
            return pooled.channel;
        }
    }
}

package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
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
 * for at most the connect timeout.
 */
public final class BackendPool {

    private static final int IDLE_SECONDS = 30;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final SslContext tls;
    private final int maxSockets;
    private final Duration connectTimeout;
    // Concurrent only so that the metrics gauge may read it from another thread.
    private final Map<BackendUrl, Slot> slots = new ConcurrentHashMap<>();

    private static final class Slot {
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Promise<Channel>> waiting = new ArrayDeque<>();
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
    }

    /** The most recently used idle connection, else a new one (or a wait while the backend is at its limit). */
    public Future<Channel> acquire(BackendUrl backend) {
        Slot slot = slots.computeIfAbsent(backend, b -> new Slot());
        Channel channel;
        while ((channel = slot.idle.pollLast()) != null) {
            if (channel.isActive()) {
                return loop.newSucceededFuture(channel);
            }
        }
        Promise<Channel> promise = loop.newPromise();
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

    /** Gives a connection back after an exchange; one that cannot be reused is closed. */
    public void release(BackendUrl backend, Channel channel, boolean reusable) {
        channel.pipeline().get(BackendHandler.class).detach();
        Slot slot = slots.get(backend);
        if (!reusable || !channel.isActive() || slot == null) {
            channel.close();
            return;
        }
        Promise<Channel> waiter;
        while ((waiter = slot.waiting.poll()) != null) {
            if (waiter.trySuccess(channel)) {
                return;
            }
        }
        slot.idle.addLast(channel);
        // A read pending while idle is how a backend's close (or stray bytes) is noticed before reuse.
        channel.read();
    }

    private void connect(BackendUrl backend, Slot slot, Promise<Channel> promise) {
        slot.open++;
        bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (backend.scheme().equals("https")) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), backend.host(), backend.port()));
                }
                ch.pipeline().addLast(new HttpClientCodec(4096, 16384, 65536),
                        new IdleStateHandler(0, 0, IDLE_SECONDS), new BackendHandler());
            }
        }).connect(backend.host(), backend.port()).addListener(future -> {
            if (future.isSuccess()) {
                Channel channel = ((io.netty.channel.ChannelFuture) future).channel();
                channel.closeFuture().addListener(closed -> closed(backend, slot, channel));
                if (!promise.trySuccess(channel)) {
                    release(backend, channel, true);
                }
            } else {
                slot.open--;
                promise.tryFailure(future.cause());
                serveWaiter(backend, slot);
            }
        });
    }

    private void closed(BackendUrl backend, Slot slot, Channel channel) {
        slot.open--;
        slot.idle.remove(channel);
        serveWaiter(backend, slot);
    }

    private void serveWaiter(BackendUrl backend, Slot slot) {
        Promise<Channel> waiter;
        while (slot.open < maxSockets && (waiter = slot.waiting.poll()) != null) {
            if (!waiter.isDone()) {
                connect(backend, slot, waiter);
            }
        }
    }
}

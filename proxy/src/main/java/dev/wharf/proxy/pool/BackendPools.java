package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link BackendPool} (HTTP/1.1) and one {@link Http2Pool} (h2c backends) per event loop, created the first
 * time a request on that loop needs it.
 */
public final class BackendPools implements Backends {

    private final Class<? extends SocketChannel> channelType;
    private final int maxSockets;
    private final Duration connectTimeout;
    private final SslContext tls;
    private final Map<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
    private final Map<EventLoop, Http2Pool> http2Pools = new ConcurrentHashMap<>();

    public BackendPools(Class<? extends SocketChannel> channelType, int maxSockets, Duration connectTimeout) {
        this.channelType = channelType;
        this.maxSockets = maxSockets;
        this.connectTimeout = connectTimeout;
        try {
            // https:// backends are containers on private networks, usually with self-signed certificates.
            this.tls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS to backends", e);
        }
    }

    /** Backend connections open across all loops; read without the loops' cooperation, so approximate. */
    public int openConnections() {
        return pools.values().stream().mapToInt(BackendPool::openConnections).sum()
                + http2Pools.values().stream().mapToInt(Http2Pool::openConnections).sum();
    }

    @Override
    public Future<BackendLease> acquire(EventLoop loop, BackendUrl backend) {
        if (backend.scheme().equals(BackendUrl.H2C)) {
            Http2Pool pool = http2Pools.get(loop);
            if (pool == null) {
                pool = http2Pools.computeIfAbsent(loop, l -> new Http2Pool(l, channelType, maxSockets, connectTimeout));
            }
            return pool.acquire(backend);
        }
        BackendPool pool = pools.get(loop);
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, l -> new BackendPool(l, channelType, tls, maxSockets, connectTimeout));
        }
        return pool.acquire(backend);
    }
}

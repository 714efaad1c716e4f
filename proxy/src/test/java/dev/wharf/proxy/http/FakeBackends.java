package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendHandler;
import dev.wharf.proxy.pool.BackendLease;
import dev.wharf.proxy.pool.BackendListener;
import dev.wharf.proxy.pool.Backends;
import dev.wharf.route.BackendUrl;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * In-memory backend connections: each lease is an {@link EmbeddedChannel} whose outbound queue holds what the
 * exchange sent (HTTP objects, there is no codec) and into which a test writes the backend's answer.
 * Backends listed as refusing fail to connect, as a closed port does.
 */
final class FakeBackends implements Backends {

    final List<Lease> leases = new ArrayList<>();
    private final Set<String> refusing = new HashSet<>();
    private final Set<String> failing = new HashSet<>();
    private Lease idle;

    /** Connections to this backend are refused. */
    FakeBackends refuse(String url) {
        refusing.add(url);
        return this;
    }

    /** Asking for a connection to this backend throws, as a bug in a pool would. */
    FakeBackends fail(String url) {
        failing.add(url);
        return this;
    }

    /** The next acquire gets a connection that served an exchange before. */
    FakeBackends withIdleConnection() {
        idle = new Lease(true);
        return this;
    }

    @Override
    public Future<BackendLease> acquire(EventLoop loop, BackendUrl backend) {
        if (failing.contains(backend.toString())) {
            throw new IllegalStateException("a fault in the pool of " + backend);
        }
        if (refusing.contains(backend.toString())) {
            return loop.newFailedFuture(new ConnectException("Connection refused: " + backend));
        }
        Lease lease = idle != null ? idle : new Lease(false);
        idle = null;
        lease.url = backend;
        leases.add(lease);
        return loop.newSucceededFuture(lease);
    }

    Lease last() {
        return leases.get(leases.size() - 1);
    }

    static final class Lease implements BackendLease {
        final BackendHandler handler = new BackendHandler();
        final EmbeddedChannel channel = new EmbeddedChannel(handler);
        final boolean reused;
        BackendUrl url;
        /** Null while leased; then whether it was given back as reusable. */
        Boolean releasedReusable;
        boolean upgraded;

        Lease(boolean reused) {
            this.reused = reused;
        }

        /** What the backend answers, one decoded HTTP object (or raw buffer after a switch) at a time. */
        void answer(Object... messages) {
            channel.writeInbound(messages);
        }

        /** What the exchange wrote to this backend, in order. */
        List<Object> sent() {
            List<Object> sent = new ArrayList<>();
            for (Object msg; (msg = channel.readOutbound()) != null; ) {
                sent.add(msg);
            }
            return sent;
        }

        @Override
        public Channel channel() {
            return channel;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public void attach(BackendListener listener) {
            handler.attach(listener);
        }

        @Override
        public void release(boolean reusable) {
            if (releasedReusable == null && !upgraded) {
                releasedReusable = reusable;
                handler.detach();
                if (!reusable) {
                    channel.close();
                }
            }
        }

        @Override
        public Channel upgrade(ChannelHandler relay) {
            upgraded = true;
            handler.detach();
            channel.pipeline().replace(handler, "relay", relay);
            return channel;
        }
    }
}

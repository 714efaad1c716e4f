package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/** Where exchanges get backend connections: {@link BackendPools} in the proxy, in-memory channels in tests. */
public interface Backends {

    /** A connection to {@code backend} usable from {@code loop}; fails with the connect error or {@link PoolBusyException}. */
    Future<BackendLease> acquire(EventLoop loop, BackendUrl backend);
}

package dev.wharf.proxy.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * One exchange's hold on a backend connection, from {@link Backends#acquire} to {@link #release} (or to
 * {@link #upgrade}, after which the connection is the caller's). Event-loop confined, like the exchange.
 */
public interface BackendLease {

    Channel channel();

    /** True when the connection served an exchange before: the backend may have closed it meanwhile. */
    boolean reused();

    /** From now until release, what the connection reads and its close go to {@code listener}. */
    void attach(BackendListener listener);

    /** Gives the connection back (kept for the next exchange only when {@code reusable}); later calls do nothing. */
    void release(boolean reusable);

    /**
     * The connection leaves the pool for good, to carry raw bytes after a protocol switch: its HTTP handlers
     * are removed (bytes they held go to the attached listener first) and {@code relay} takes their place.
     */
    Channel upgrade(ChannelHandler relay);
}

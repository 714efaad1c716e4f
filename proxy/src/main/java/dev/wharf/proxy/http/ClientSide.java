package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendLease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.net.InetAddress;
import java.util.Collection;

/**
 * What an {@link Exchange} needs of the client it answers, whatever carries the request: an HTTP/1.1 connection
 * ({@link ClientConnection}) or one stream of an HTTP/2 connection ({@link ClientStream}). Everything is called
 * on the client's event loop, which is also the loop of the exchange's backend connection.
 */
interface ClientSide {

    ProxyContext shared();

    /** {@code http} or {@code https}: the listener the request came in on. */
    String scheme();

    String clientIp();

    /** The peer's address, or null when there is none (an embedded channel in tests). */
    InetAddress clientAddress();

    /** The port the client connected to, as X-Forwarded-Port carries it. */
    String localPort();

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** Writes one message of the answer (a head, contents, a whole response) without flushing it. */
    ChannelFuture write(Object msg);

    void flush();

    default ChannelFuture writeAndFlush(Object msg) {
        ChannelFuture written = write(msg);
        flush();
        return written;
    }

    void armResponseTimer(long nanos);

    void disarmResponseTimer();

    void disarmReadTimer();

    /** The exchange can take more of the request's body: what waits is handed over, and more is read. */
    void drain();

    /** The exchange is over; {@code keepAlive} says whether its connection may carry another. */
    void exchangeDone(Exchange done, boolean keepAlive);

    /** Nothing more is read or answered; the client is closed once {@code lastWrite} is done. */
    void closeAfter(ChannelFuture lastWrite);

    /** Closes once everything written so far is out (the client gets all of an answer cut short). */
    void closeWhenFlushed();

    void close();

    /**
     * The backend switched protocols and the client has the 101: from here on bytes go both ways as they are,
     * {@code held} (what the backend sent after its 101) first.
     */
    void relay(BackendLease lease, Collection<ByteBuf> held);
}

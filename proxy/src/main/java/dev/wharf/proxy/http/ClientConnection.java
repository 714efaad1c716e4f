package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendLease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * One client connection: reads requests in order and hands each to a new {@link Exchange}; owns what outlives
 * an exchange (the inbox, the read timer, keep-alive, draining) and nothing about any one request.
 *
 * <p>Backpressure: the channel has autoRead off. What it reads goes to the inbox, which the current exchange
 * takes from only as fast as its backend accepts it; the next read is asked for only when the exchange can
 * take more (after its last write succeeded) or when no exchange is under way. A pipelined request waits in
 * the inbox for the exchange before it to finish.
 *
 * <p>After a protocol switch (a 101 to an {@code Upgrade}), this handler and the HTTP codec leave the pipeline
 * to a {@link Relay}. Over 250 lines: the accessors of {@link ClientSide} that the exchange reads.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter implements ClientSide {

    static final String BYTE_WATCHER = "byte-watcher";

    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final ProxyContext shared;
    private final String scheme;
    private final ArrayDeque<Object> inbox = new ArrayDeque<>(4);
    private ChannelHandlerContext ctx;
    private Deadline readTimer;
    private Deadline responseTimer;
    private String clientIp;
    private String localPort;
    /** Bytes arrived since the last head: a read timeout then means a head cut short (408), not an idle client. */
    private boolean bytesSinceHead;
    private Exchange exchange;
    private boolean closed;
    /** Handing over to a relay: what the leaving codec still held only goes to the inbox. */
    private boolean switching;

    public ClientConnection(ProxyContext shared, String scheme) {
        this.shared = shared;
        this.scheme = scheme;
    }

    static String clientIpOf(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress().getHostAddress() : "-";
    }

    static String localPortOf(Channel channel) {
        return channel.localAddress() instanceof InetSocketAddress local ? Integer.toString(local.getPort()) : "0";
    }

    /** Goes before the HTTP codec: notes that bytes arrived. */
    ChannelInboundHandlerAdapter byteWatcher() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext byteCtx, Object msg) {
                bytesSinceHead = true;
                byteCtx.fireChannelRead(msg);
            }
        };
    }

    /**
     * True while an exchange or a relay is under way on {@code client}: shutdown waits for those. An HTTP/2
     * connection is never busy in this sense: closing it is graceful (GOAWAY, then its open streams finish).
     */
    public static boolean busy(Channel client) {
        ClientConnection connection = client.pipeline().get(ClientConnection.class);
        return connection == null ? client.pipeline().get(Relay.class) != null
                : connection.exchange != null || !connection.inbox.isEmpty();
    }

    /** Added once the protocol is known (after ALPN or the h2c check): the channel may be active already. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (this.ctx == null) {
            start(ctx);
        }
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        readTimer = new Deadline(ctx.executor(), this::readTimedOut);
        responseTimer = new Deadline(ctx.executor(), this::responseTimedOut);
        clientIp = clientIpOf(ctx.channel());
        localPort = localPortOf(ctx.channel());
        read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readTimer.disarm();
        if (switching) {
            inbox.add(msg);
        } else if (closed) {
            ReferenceCountUtil.release(msg);
        } else {
            inbox.add(msg);
            drain();
        }
    }

    /** Asks for more input, timed by the client timeout. */
    private void read() {
        readTimer.arm(shared.clients.timeout().toNanos());
        ctx.read();
    }

    /** Hands the inbox to the exchanges; asks for more input only when it can be taken. */
    @Override
    public void drain() {
        while (!closed && !inbox.isEmpty()) {
            if (exchange == null) {
                Object msg = inbox.poll();
                if (msg instanceof HttpRequest head) {
                    bytesSinceHead = false;
                    exchange = new Exchange(this, head);
                    exchange.start();
                } else {
                    ReferenceCountUtil.release(msg); // what is left of a body the exchange before gave up on
                }
            } else if (exchange.takesBody()) {
                Object msg = inbox.poll();
                if (msg instanceof HttpContent content) {
                    exchange.body(content);
                } else {
                    ReferenceCountUtil.release(msg);
                    close(); // a head where the codec must deliver body: never, but the framing would be lost
                }
            } else {
                return; // a pipelined request waits for its turn; the body waits for the backend
            }
        }
        if (!closed && (exchange == null || exchange.takesBody())) {
            read();
        }
    }

    /** The exchange is over: the next one may start, or the connection closes once what was written is out. */
    @Override
    public void exchangeDone(Exchange done, boolean keepAlive) {
        if (exchange != done) {
            return;
        }
        exchange = null;
        responseTimer.disarm();
        if (!keepAlive || shared.draining()) {
            closeWhenFlushed();
        } else {
            drain();
        }
    }

    @Override
    public void closeAfter(ChannelFuture lastWrite) {
        closed = true;
        lastWrite.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void closeWhenFlushed() {
        closeAfter(ctx.writeAndFlush(Unpooled.EMPTY_BUFFER));
    }

    @Override
    public void close() {
        closed = true;
        ctx.close();
    }

    /**
     * The backend switched protocols and the client has the 101: from here on bytes go both ways as they are.
     * The codecs leave first, so that bytes they held reach this handler's inbox and the exchange's
     * {@code held} and go out ahead of anything relayed.
     */
    @Override
    public void relay(BackendLease lease, Collection<ByteBuf> held) {
        exchange = null;
        switching = true;
        readTimer.disarm();
        responseTimer.disarm();
        ctx.pipeline().remove(HttpServerCodec.class);
        ctx.pipeline().remove(BYTE_WATCHER);
        Channel client = ctx.channel();
        Channel backend = lease.upgrade(new Relay(client));
        ctx.pipeline().replace(this, "relay", new Relay(backend));
        for (ByteBuf bytes : held) {
            client.write(bytes);
        }
        client.flush();
        Object msg;
        while ((msg = inbox.poll()) != null) {
            if (msg instanceof ByteBuf bytes) {
                backend.write(bytes);
            } else {
                ReferenceCountUtil.release(msg); // decoded from bytes sent before the 101: not the new protocol
            }
        }
        backend.flush();
        client.read();
        backend.read();
    }

    @Override
    public ProxyContext shared() {
        return shared;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String clientIp() {
        return clientIp;
    }

    @Override
    public InetAddress clientAddress() {
        return addressOf(ctx.channel());
    }

    static InetAddress addressOf(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
    }

    @Override
    public String localPort() {
        return localPort;
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public ChannelFuture write(Object msg) {
        return ctx.write(msg);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void armResponseTimer(long nanos) {
        responseTimer.arm(nanos);
    }

    @Override
    public void disarmResponseTimer() {
        responseTimer.disarm();
    }

    @Override
    public void disarmReadTimer() {
        readTimer.disarm();
    }

    private void responseTimedOut() {
        if (exchange != null) {
            exchange.responseTimedOut();
        }
    }

    private void readTimedOut() {
        if (closed || switching) {
            return;
        }
        if (exchange != null) {
            exchange.clientTimedOut();
        } else if (bytesSinceHead) {
            closeAfter(ctx.writeAndFlush(Responses.error(ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT,
                    "request head not received in time", true)));
        } else {
            close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (readTimer != null) {
            readTimer.cancel();
            responseTimer.cancel();
        }
        if (exchange != null) {
            exchange.clientClosed();
            exchange = null;
        }
        Object msg;
        while ((msg = inbox.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        shared.metrics.clientError();
        ctx.close();
    }
}

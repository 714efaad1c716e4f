package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendLease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * One stream of a client's {@link Http2Connection}, serving its one {@link Exchange} as a {@link ClientConnection}
 * serves those of an HTTP/1.1 connection. It has no channel of its own: a Netty child channel per stream (its
 * registration, pipeline and promises) cost more than the rest of a request, so the stream's frames come from the
 * connection's handler and its answer goes to the connection's frame codec.
 *
 * <ul>
 *   <li>In: the frames become exactly what the HTTP/1.1 codec delivers (a head, then contents, the last one ending
 *       the request; {@link StreamFields} converts the head). A HEADERS frame after the head is the trailers and
 *       must end the stream; a request HTTP/2 calls malformed is reset ({@code PROTOCOL_ERROR}) and nothing of it
 *       reaches a backend.</li>
 *   <li>Backpressure: a DATA frame's bytes go back to the client's window (WINDOW_UPDATE) only when the exchange
 *       takes the frame, which it does after its last write to the backend succeeded; until then the client can
 *       send no more than the stream's window.</li>
 *   <li>Out: the exchange's answer as frames, by its {@link StreamAnswer}.</li>
 *   <li>Timers are deadlines the connection checks with one scheduled task for all its streams.</li>
 * </ul>
 * Over 250 lines: {@link ClientSide}'s accessors and timers, which are this stream's rather than a connection's.
 */
final class ClientStream implements ClientSide {

    private final Http2Connection connection;
    /** The connection's handler: what is written here goes to its frame codec. */
    private final ChannelHandlerContext ctx;
    private final Http2FrameStream stream;
    private final ArrayDeque<Object> inbox = new ArrayDeque<>(4);
    private Exchange exchange;
    private boolean headRead;
    /** The client ended its side (END_STREAM read). */
    private boolean requestEnded;
    /** Nothing more is taken from the client. */
    private boolean inputClosed;
    private boolean ended;
    private final StreamAnswer answer;
    /** Nanoseconds on the connection's timer clock, 0 when disarmed. */
    private long readDeadline;
    private long responseDeadline;

    ClientStream(Http2Connection connection, ChannelHandlerContext ctx, Http2FrameStream stream) {
        this.connection = connection;
        this.ctx = ctx;
        this.stream = stream;
        this.answer = new StreamAnswer(ctx, stream);
    }

    int id() {
        return stream.id();
    }

    // ---- Client to exchange ----

    /** A HEADERS or DATA frame of this stream, from the connection. */
    void read(Http2StreamFrame frame) {
        if (inputClosed) { // after a fault, or once the stream is closing: goes nowhere, but the window is given back
            if (frame instanceof Http2DataFrame data) {
                connection.consumed(stream, data.initialFlowControlledBytes());
            }
            ReferenceCountUtil.release(frame);
            return;
        }
        readDeadline = 0;
        if (frame instanceof Http2DataFrame data) {
            requestEnded = data.isEndStream();
            inbox.add(data);
        } else if (!(frame instanceof Http2HeadersFrame headers) || !headers(headers)) {
            ReferenceCountUtil.release(frame);
            return;
        }
        drain();
    }

    /** The head, or trailers; false when the stream was malformed (and is reset). */
    private boolean headers(Http2HeadersFrame frame) {
        if (headRead) {
            if (!frame.isEndStream()) {
                reset(Http2Error.PROTOCOL_ERROR);
                return false;
            }
            requestEnded = true;
            LastHttpContent end = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, StreamFields.TRAILERS);
            StreamFields.copyFields(frame.headers(), end.trailingHeaders());
            inbox.add(end);
            return true;
        }
        headRead = true;
        HttpRequest head = StreamFields.request(frame.headers(), frame.isEndStream());
        if (head == null) {
            reset(Http2Error.PROTOCOL_ERROR);
            return false;
        }
        inbox.add(head);
        if (frame.isEndStream()) {
            requestEnded = true;
            inbox.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return true;
    }

    /** Hands the inbox to the exchange as it can take it; times the client while the exchange waits for body. */
    @Override
    public void drain() {
        while (!inputClosed && !inbox.isEmpty()) {
            if (exchange == null) {
                exchange = new Exchange(this, (HttpRequest) inbox.poll()); // a stream's first message is its head
                exchange.start();
            } else if (exchange.takesBody()) {
                exchange.body(content(inbox.poll()));
            } else {
                return; // the body waits for the backend
            }
        }
        if (!inputClosed && !requestEnded && exchange != null && exchange.takesBody()) {
            readDeadline = connection.deadlineIn(connection.shared().clients.timeout().toNanos());
        }
    }

    /** A DATA frame as the content it carries; taking it gives its bytes back to the client's window. */
    private HttpContent content(Object msg) {
        if (msg instanceof Http2DataFrame data) {
            connection.consumed(stream, data.initialFlowControlledBytes());
            return data.isEndStream() ? new DefaultLastHttpContent(data.content(), StreamFields.TRAILERS)
                    : new DefaultHttpContent(data.content());
        }
        return (HttpContent) msg;
    }

    // ---- Exchange to client ----

    @Override
    public ChannelFuture write(Object msg) {
        if (ended) {
            ReferenceCountUtil.release(msg);
            return ctx.newFailedFuture(new ClosedChannelException());
        }
        return answer.write(msg);
    }

    @Override
    public void flush() {
        answer.flush();
    }

    // ---- The end ----

    @Override
    public void exchangeDone(Exchange done, boolean keepAlive) {
        if (exchange != done) {
            return;
        }
        exchange = null;
        if (requestEnded) {
            end(); // both sides are done: the codec has closed the stream, or closes it now
        } else {
            reset(Http2Error.NO_ERROR); // the answer is whole and the body still coming: RFC 9113 §8.1
        }
    }

    @Override
    public void closeAfter(ChannelFuture lastWrite) {
        inputClosed = true;
        releaseInbox();
        lastWrite.addListener(written -> close());
    }

    @Override
    public void closeWhenFlushed() {
        flush();
        closeAfter(answer.lastWrite());
    }

    @Override
    public void close() {
        reset(Http2Error.CANCEL);
    }

    /** HTTP/2 has no protocol switch (the codec refuses {@code Upgrade}): never called, but nothing is lost if it is. */
    @Override
    public void relay(BackendLease lease, Collection<ByteBuf> held) {
        held.forEach(ReferenceCountUtil::release);
        lease.release(false);
        close();
    }

    /** This side ends the stream: RST_STREAM with {@code error}, unless the stream is closed already. */
    private void reset(Http2Error error) {
        if (ended) {
            return;
        }
        answer.flush(); // a held head goes out, and its writer hears it did
        boolean open = stream.state() != Http2Stream.State.CLOSED;
        end();
        if (open) {
            ctx.write(new DefaultHttp2ResetFrame(error).stream(stream));
            ctx.flush();
        }
    }

    /** The client reset the stream. */
    void resetByClient() {
        end();
    }

    /**
     * The codec closed the stream. When both sides ended it normally, the exchange still hears of its last write
     * and finishes (its metrics, its log line) before the stream ends here.
     */
    void closed() {
        if (!(requestEnded && answer.ended() && exchange != null)) {
            end();
        }
    }

    /** Over for this side, whichever way: timers off, the exchange told if under way, what waits released. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        inputClosed = true;
        readDeadline = 0;
        responseDeadline = 0;
        connection.forget(this);
        answer.abandon();
        if (exchange != null) {
            Exchange gone = exchange;
            exchange = null;
            gone.clientClosed();
        }
        releaseInbox();
    }

    private void releaseInbox() {
        Object msg;
        while ((msg = inbox.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---- Timers ----

    @Override
    public void armResponseTimer(long nanos) {
        responseDeadline = connection.deadlineIn(nanos);
    }

    @Override
    public void disarmResponseTimer() {
        responseDeadline = 0;
    }

    @Override
    public void disarmReadTimer() {
        readDeadline = 0;
    }

    /** Fires the timers due at {@code now}; the earliest deadline still armed, or 0. */
    long expire(long now) {
        if (responseDeadline != 0 && now - responseDeadline >= 0) {
            responseDeadline = 0;
            if (exchange != null) {
                exchange.responseTimedOut();
            }
        }
        if (readDeadline != 0 && now - readDeadline >= 0) {
            readDeadline = 0;
            if (exchange != null) {
                exchange.clientTimedOut();
            }
        }
        if (responseDeadline == 0 || (readDeadline != 0 && readDeadline - responseDeadline < 0)) {
            return readDeadline;
        }
        return responseDeadline;
    }

    // ---- What the exchange reads ----

    @Override
    public ProxyContext shared() {
        return connection.shared();
    }

    @Override
    public String scheme() {
        return connection.scheme();
    }

    @Override
    public String clientIp() {
        return connection.clientIp();
    }

    @Override
    public InetAddress clientAddress() {
        return connection.clientAddress();
    }

    @Override
    public String localPort() {
        return connection.localPort();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }
}

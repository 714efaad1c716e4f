package dev.wharf.proxy.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.concurrent.PromiseCombiner;

import java.nio.channels.ClosedChannelException;

/**
 * An exchange's answer on one HTTP/2 stream ({@link ClientStream}), as the frames a backend over HTTP/2 would have
 * sent, written to the connection's frame codec ({@link StreamFields} converts the fields; connection-specific ones
 * never go out, RFC 9113 §8.2.2).
 *
 * <p>An answer without body or trailers is one HEADERS frame ending the stream: to gRPC a status in a HEADERS frame
 * that does not end the stream is malformed (its "trailers-only" errors). So a head waits here for the next write
 * or flush, never longer.
 */
final class StreamAnswer {

    private final ChannelHandlerContext ctx;
    private final Http2FrameStream stream;
    private HttpResponse heldHead;
    private ChannelPromise heldPromise;
    private ChannelFuture lastWrite;
    /** A frame ending this side of the stream was written. */
    private boolean ended;

    StreamAnswer(ChannelHandlerContext ctx, Http2FrameStream stream) {
        this.ctx = ctx;
        this.stream = stream;
    }

    /** Writes one message of the answer (a head, contents, a whole response) without flushing it. */
    ChannelFuture write(Object msg) {
        ChannelPromise promise = ctx.newPromise();
        if (msg instanceof FullHttpResponse whole) {
            writeHeld();
            writeWhole(whole, promise);
        } else if (msg instanceof HttpResponse head) {
            writeHeld();
            heldHead = head;
            heldPromise = promise;
        } else if (msg instanceof LastHttpContent end) {
            writeEnd(end, promise);
        } else {
            writeHeld();
            send(new DefaultHttp2DataFrame(((HttpContent) msg).content(), false), promise);
        }
        return promise;
    }

    private void writeWhole(FullHttpResponse whole, ChannelPromise promise) {
        int code = whole.status().code();
        if (code >= 100 && code < 200) { // interim (100 Continue): the stream goes on
            whole.release();
            send(new DefaultHttp2HeadersFrame(StreamFields.fields(whole), false), promise);
            return;
        }
        boolean body = whole.content().isReadable();
        boolean trailers = !whole.trailingHeaders().isEmpty();
        PromiseCombiner frames = new PromiseCombiner(ctx.executor());
        frames.add(send(new DefaultHttp2HeadersFrame(StreamFields.fields(whole), !body && !trailers), ctx.newPromise()));
        if (body) {
            frames.add(send(new DefaultHttp2DataFrame(whole.content(), !trailers), ctx.newPromise()));
        } else {
            whole.release();
        }
        if (trailers) {
            frames.add(send(new DefaultHttp2HeadersFrame(StreamFields.trailerFields(whole.trailingHeaders()), true),
                    ctx.newPromise()));
        }
        frames.finish(promise);
    }

    private void writeEnd(LastHttpContent end, ChannelPromise promise) {
        boolean body = end.content().isReadable();
        boolean trailers = !end.trailingHeaders().isEmpty();
        if (heldHead != null && !body && !trailers) {
            end.release();
            HttpResponse head = heldHead;
            ChannelPromise headWritten = heldPromise;
            heldHead = null;
            heldPromise = null;
            send(new DefaultHttp2HeadersFrame(StreamFields.fields(head), true), headWritten).addListener(written -> {
                if (written.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(written.cause());
                }
            });
            return;
        }
        writeHeld();
        if (!trailers) { // the usual end: one frame, no promises to combine
            send(new DefaultHttp2DataFrame(end.content(), true), promise);
            return;
        }
        PromiseCombiner frames = new PromiseCombiner(ctx.executor());
        if (body) {
            frames.add(send(new DefaultHttp2DataFrame(end.content(), false), ctx.newPromise()));
        } else {
            end.release();
        }
        frames.add(send(new DefaultHttp2HeadersFrame(StreamFields.trailerFields(end.trailingHeaders()), true),
                ctx.newPromise()));
        frames.finish(promise);
    }

    private void writeHeld() {
        if (heldHead != null) {
            HttpResponse head = heldHead;
            ChannelPromise written = heldPromise;
            heldHead = null;
            heldPromise = null;
            send(new DefaultHttp2HeadersFrame(StreamFields.fields(head), false), written);
        }
    }

    private ChannelFuture send(Http2DataFrame frame, ChannelPromise promise) {
        ended |= frame.isEndStream();
        return lastWrite = ctx.write(frame.stream(stream), promise);
    }

    private ChannelFuture send(Http2HeadersFrame frame, ChannelPromise promise) {
        ended |= frame.isEndStream();
        return lastWrite = ctx.write(frame.stream(stream), promise);
    }

    void flush() {
        writeHeld();
        ctx.flush();
    }

    /** The last frame's write, which completes after every frame before it: done when the answer so far is out. */
    ChannelFuture lastWrite() {
        return lastWrite != null ? lastWrite : ctx.newSucceededFuture();
    }

    boolean ended() {
        return ended;
    }

    /** The stream is over: a head still held was never sent, and its writer hears so. */
    void abandon() {
        if (heldHead != null) {
            heldHead = null;
            heldPromise.tryFailure(new ClosedChannelException());
            heldPromise = null;
        }
    }
}

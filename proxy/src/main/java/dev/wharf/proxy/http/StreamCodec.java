package dev.wharf.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseCombiner;

import java.nio.channels.ClosedChannelException;

/**
 * Between a client's HTTP/2 stream and its {@link ClientConnection}: turns the stream's frames into exactly what
 * the HTTP/1.1 codec delivers (a head, then contents, the last one ending the request), so that one
 * {@link Exchange} serves both, and the exchange's answer back into frames. It replaces Netty's generic
 * frame-to-HttpObject codec, which built every header map twice per request and added headers of its own.
 *
 * <ul>
 *   <li>The head says {@code HTTP/2.0} (for the access log and {@link RequestRules}, which accepts only {@link StreamFields}'
 *       instance): {@code :authority} becomes {@code Host} (a {@code host}
 *       field naming another host is malformed); several {@code cookie} fields are joined with
 *       {@code "; "} (RFC 9113 §8.2.3); a body without {@code content-length} is marked chunked, as it will be
 *       to the backend. Names and values were validated by the frame codec (HPACK), targets and values again by
 *       {@link RequestRules}; a request without {@code :method} or {@code :path} is malformed: RST_STREAM.</li>
 *   <li>A HEADERS frame after the head is the trailers, and must end the stream.</li>
 *   <li>An answer without body or trailers goes out as one HEADERS frame ending the stream, as a backend over
 *       HTTP/2 sent it: to gRPC a status in a HEADERS frame that does not end the stream is malformed (its
 *       "trailers-only" errors). So a head waits here for the next write or flush, never longer.</li>
 *   <li>Connection-specific fields never go out (RFC 9113 §8.2.2).</li>
 * </ul>
 */
final class StreamCodec extends ChannelDuplexHandler {

    private static final HttpHeadersFactory TRAILERS = StreamFields.TRAILERS;

    private boolean headRead;
    private boolean reset;
    private HttpResponse heldHead;
    private ChannelPromise heldPromise;

    // ---- Client to exchange ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (reset) { // what a malformed stream's client sent after the fault goes nowhere
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof Http2DataFrame data) {
            // the frame's buffer goes on in the content that replaces it
            ctx.fireChannelRead(data.isEndStream() ? new DefaultLastHttpContent(data.content(), TRAILERS)
                    : new DefaultHttpContent(data.content()));
        } else if (msg instanceof Http2HeadersFrame frame) {
            headers(ctx, frame);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void headers(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        if (headRead) {
            if (!frame.isEndStream()) {
                malformed(ctx);
                return;
            }
            LastHttpContent end = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, TRAILERS);
            StreamFields.copyFields(frame.headers(), end.trailingHeaders());
            ctx.fireChannelRead(end);
            return;
        }
        headRead = true;
        HttpRequest head = StreamFields.request(frame.headers(), frame.isEndStream());
        if (head == null) {
            malformed(ctx);
            return;
        }
        ctx.fireChannelRead(head);
        if (frame.isEndStream()) {
            ctx.fireChannelRead(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, TRAILERS));
        }
    }

    private void malformed(ChannelHandlerContext ctx) {
        reset = true;
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
        ctx.close();
    }

    // ---- Exchange to client ----

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof FullHttpResponse whole) {
            writeHeld(ctx);
            writeWhole(ctx, whole, promise);
        } else if (msg instanceof HttpResponse head) {
            writeHeld(ctx);
            heldHead = head;
            heldPromise = promise;
        } else if (msg instanceof LastHttpContent end) {
            writeEnd(ctx, end, promise);
        } else if (msg instanceof HttpContent content) {
            writeHeld(ctx);
            ctx.write(new DefaultHttp2DataFrame(content.content(), false), promise);
        } else {
            writeHeld(ctx);
            ctx.write(msg, promise);
        }
    }

    private void writeWhole(ChannelHandlerContext ctx, FullHttpResponse whole, ChannelPromise promise) {
        int code = whole.status().code();
        if (code >= 100 && code < 200) { // interim (100 Continue): the stream goes on
            whole.release();
            ctx.write(new DefaultHttp2HeadersFrame(StreamFields.fields(whole), false), promise);
            return;
        }
        boolean body = whole.content().isReadable();
        boolean trailers = !whole.trailingHeaders().isEmpty();
        PromiseCombiner frames = new PromiseCombiner(ctx.executor());
        frames.add(ctx.write(new DefaultHttp2HeadersFrame(StreamFields.fields(whole), !body && !trailers)));
        if (body) {
            frames.add(ctx.write(new DefaultHttp2DataFrame(whole.content(), !trailers)));
        } else {
            whole.release();
        }
        if (trailers) {
            frames.add(ctx.write(new DefaultHttp2HeadersFrame(StreamFields.trailerFields(whole.trailingHeaders()), true)));
        }
        frames.finish(promise);
    }

    private void writeEnd(ChannelHandlerContext ctx, LastHttpContent end, ChannelPromise promise) {
        boolean body = end.content().isReadable();
        boolean trailers = !end.trailingHeaders().isEmpty();
        if (heldHead != null && !body && !trailers) {
            end.release();
            HttpResponse head = heldHead;
            ChannelPromise headWritten = heldPromise;
            heldHead = null;
            heldPromise = null;
            ctx.write(new DefaultHttp2HeadersFrame(StreamFields.fields(head), true), headWritten).addListener(written -> {
                if (written.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(written.cause());
                }
            });
            return;
        }
        writeHeld(ctx);
        if (!trailers) { // the usual end: one frame, no promises to combine
            ctx.write(new DefaultHttp2DataFrame(end.content(), true), promise);
            return;
        }
        PromiseCombiner frames = new PromiseCombiner(ctx.executor());
        if (body) {
            frames.add(ctx.write(new DefaultHttp2DataFrame(end.content(), false)));
        } else {
            end.release();
        }
        frames.add(ctx.write(new DefaultHttp2HeadersFrame(StreamFields.trailerFields(end.trailingHeaders()), true)));
        frames.finish(promise);
    }

    private void writeHeld(ChannelHandlerContext ctx) {
        if (heldHead != null) {
            HttpResponse head = heldHead;
            ChannelPromise written = heldPromise;
            heldHead = null;
            heldPromise = null;
            ctx.write(new DefaultHttp2HeadersFrame(StreamFields.fields(head), false), written);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHeld(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeHeld(ctx);
        ctx.close(promise);
    }

    /** The stream closed under a held head: its writer learns it was never sent. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (heldHead != null) {
            heldHead = null;
            heldPromise.tryFailure(new ClosedChannelException());
            heldPromise = null;
        }
    }

}

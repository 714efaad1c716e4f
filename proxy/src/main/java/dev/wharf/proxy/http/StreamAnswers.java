package dev.wharf.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.channels.ClosedChannelException;

/**
 * Before Netty's HTTP/1-to-HTTP/2 codec on a client's stream: an answer without body or trailers goes out as one
 * HEADERS frame that ends the stream, as a backend over HTTP/2 sent it, rather than HEADERS and an empty DATA
 * frame. The two mean the same to HTTP, not to gRPC: an error is a "trailers-only" answer, and a client that
 * gets {@code grpc-status} in a HEADERS frame that does not end the stream fails the call as malformed.
 *
 * <p>An exchange writes a head and then its end (from one backend read, before a flush): the head waits here
 * for the next write or flush, never longer, so a streaming answer's head still goes out when it is flushed.
 */
final class StreamAnswers extends ChannelOutboundHandlerAdapter {

    private HttpResponse head;
    private ChannelPromise headPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && !(response instanceof FullHttpResponse) && head == null) {
            head = response;
            headPromise = promise;
            return;
        }
        if (head != null && msg instanceof LastHttpContent end && !end.content().isReadable()
                && end.trailingHeaders().isEmpty()) {
            end.release();
            FullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    Unpooled.EMPTY_BUFFER, head.headers(), end.trailingHeaders());
            ChannelPromise first = headPromise;
            head = null;
            headPromise = null;
            ctx.write(whole).addListener(written -> {
                if (written.isSuccess()) {
                    first.trySuccess();
                    promise.trySuccess();
                } else {
                    first.tryFailure(written.cause());
                    promise.tryFailure(written.cause());
                }
            });
            return;
        }
        writeHead(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHead(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeHead(ctx);
        ctx.close(promise);
    }

    /** The stream closed under a held head: its writer learns it was never sent. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (head != null) {
            head = null;
            headPromise.tryFailure(new ClosedChannelException());
            headPromise = null;
        }
    }

    private void writeHead(ChannelHandlerContext ctx) {
        if (head != null) {
            HttpResponse held = head;
            head = null;
            ctx.write(held, headPromise);
            headPromise = null;
        }
    }
}

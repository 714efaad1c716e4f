package dev.wharf.proxy.pool;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * Last handler of one stream to an h2c backend: what Netty's frame-to-HTTP codec makes of the answer is made to
 * look like an HTTP/1.1 backend's to the exchange attached, as {@link BackendHandler} does for a connection.
 *
 * <p>The differences it hides: the codec's {@code x-http2-*} headers (never for the client); a response that
 * ended with its headers has no length yet (an HTTP/1.1 client would read to the close); 1xx answers other
 * than 100 come without the end an exchange waits for (dropped; 103 Early Hints are optional); a RST_STREAM
 * is the backend closing the exchange's "connection"; and the stream's close after the end of the answer is
 * no loss, unlike an HTTP/1.1 connection's close mid-answer.
 */
final class StreamHandler extends ChannelDuplexHandler {

    private BackendListener listener;
    private boolean answered;

    void attach(BackendListener exchange) {
        listener = exchange;
    }

    void detach() {
        listener = null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
        if (msg instanceof HttpRequest request) {
            // the codec wrote its :scheme into the exchange's request, which a retry may send elsewhere
            request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof Http2ResetFrame reset) {
            failed(ctx, new IOException("backend reset the stream (" + errorName(reset.errorCode()) + ")"));
            return;
        }
        if (msg instanceof HttpResponse response && !relayable(ctx, response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpResponse full && full.status().code() >= 200) {
            // An exchange takes a head and then its body, as an HTTP/1.1 codec gives them, not one message as both.
            answered = true;
            listener.backendRead(new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
            if (listener != null) {
                listener.backendRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            } else {
                full.release();
            }
            return;
        }
        if (msg instanceof LastHttpContent) {
            answered = true;
        }
        listener.backendRead(msg);
    }

    /** Prepares a response head for the exchange; false for one not relayed. */
    private boolean relayable(ChannelHandlerContext ctx, HttpResponse response) {
        response.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        int code = response.status().code();
        if (code == 101) {
            failed(ctx, new IOException("backend answered 101 over HTTP/2, which has no protocol switch"));
            return false;
        }
        if (code > 100 && code < 200) {
            return false;
        }
        if (response instanceof FullHttpResponse full && !HttpUtil.isContentLengthSet(full)
                && code >= 200 && code != 204 && code != 304) {
            HttpUtil.setContentLength(full, full.content().readableBytes());
        }
        return true;
    }

    private static String errorName(long code) {
        Http2Error error = Http2Error.valueOf(code);
        return error == null ? "error " + code : error.name();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.backendReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        BackendListener current = listener;
        listener = null;
        if (current != null && !answered) {
            current.backendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(ctx, cause);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        BackendListener current = listener;
        listener = null;
        ctx.close();
        if (current != null) {
            current.backendClosed(cause);
        }
    }
}

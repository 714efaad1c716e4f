package dev.wharf.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** The small responses the proxy writes itself: errors and Hipache's ping. */
final class Responses {

    private Responses() {
    }

    static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String body, boolean close) {
        ByteBuf content = alloc.buffer(body.length()).writeBytes(body.getBytes(StandardCharsets.UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** A permanent redirect that keeps the method (308), e.g. from http to https. */
    static FullHttpResponse redirect(ByteBufAllocator alloc, String location, boolean close) {
        FullHttpResponse response = text(alloc, HttpResponseStatus.PERMANENT_REDIRECT, location + "\n", close);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        return response;
    }

    /** An error page that says what went wrong and for which host; the host is the normalised one. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String detail, boolean close) {
        return text(alloc, status, status.code() + " " + status.reasonPhrase() + ": " + detail + "\n", close);
    }
}

package dev.wharf.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Between Netty's HTTP/2-to-HTTP/1 codec and a stream's {@link ClientConnection}: makes a stream's request look
 * exactly like what the HTTP/1.1 codec delivers, so that one {@link Exchange} serves both. A request that ends
 * with its headers arrives whole ({@link FullHttpRequest}): it is split into its head and its (empty) end. The
 * head says {@code HTTP/2.0} (for the access log) and loses the {@code x-http2-*} headers Netty adds, which are
 * not the client's and must not reach a backend. A body without {@code content-length} (allowed in HTTP/2) is
 * marked chunked, as it will be to the backend.
 */
final class StreamRequests extends ChannelInboundHandlerAdapter {

    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest whole) {
            HttpRequest head = new DefaultHttpRequest(HTTP_2, whole.method(), whole.uri(), whole.headers());
            head.setDecoderResult(whole.decoderResult());
            clean(head.headers());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(whole.content(), whole.trailingHeaders()));
        } else if (msg instanceof HttpRequest head) {
            head.setProtocolVersion(HTTP_2);
            clean(head.headers());
            if (!HttpUtil.isContentLengthSet(head)) {
                // DATA frames follow without a length: to an HTTP/1.1 backend that is a chunked body
                HttpUtil.setTransferEncodingChunked(head, true);
            }
            ctx.fireChannelRead(head);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private static void clean(HttpHeaders headers) {
        for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
    }
}

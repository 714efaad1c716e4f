package dev.wharf.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StreamRequestsTest {

    @Test
    void splitsAWholeRequestIntoHeadAndEndAsTheHttp11CodecDelivers() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamRequests());
        DefaultFullHttpRequest whole = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b",
                Unpooled.copiedBuffer("", StandardCharsets.US_ASCII));
        whole.headers().set("host", "shop.test").set("x-http2-stream-id", "3").set("x-http2-scheme", "https");
        channel.writeInbound(whole);

        HttpRequest head = channel.readInbound();
        assertThat(head).isNotInstanceOf(HttpContent.class);
        assertThat(head.protocolVersion().text()).isEqualTo("HTTP/2.0");
        assertThat(head.uri()).isEqualTo("/a?b");
        assertThat(head.headers().names()).containsExactly("host"); // Netty's x-http2-* are not the client's
        LastHttpContent end = channel.readInbound();
        assertThat(end.content().readableBytes()).isZero();
        end.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void marksABodyWithoutALengthChunkedAndKeepsALength() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamRequests());
        DefaultHttpRequest unsized = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/up");
        DefaultHttpRequest sized = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/up");
        sized.headers().set("content-length", "5");
        channel.writeInbound(unsized, sized);

        assertThat(HttpUtil.isTransferEncodingChunked(channel.<HttpRequest>readInbound())).isTrue();
        HttpRequest kept = channel.readInbound();
        assertThat(HttpUtil.isTransferEncodingChunked(kept)).isFalse();
        assertThat(HttpUtil.getContentLength(kept)).isEqualTo(5);
        assertThat(channel.finish()).isFalse();
    }
}

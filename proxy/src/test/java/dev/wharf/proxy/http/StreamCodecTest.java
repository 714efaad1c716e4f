package dev.wharf.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StreamCodecTest {

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").authority("shop.test").path(path);
    }

    private static HttpResponse grpcError() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("content-type", "application/grpc").set("grpc-status", "3");
        return head;
    }

    // ---- requests: what the HTTP/1.1 codec would have delivered ----

    @Test
    void aRequestEndingWithItsHeadersIsAHeadAndAnEmptyEnd() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        Http2Headers fields = get("/a?b").add("host", "SHOP.test").add("cookie", "a=1").add("cookie", "b=2").add("accept", "*/*");
        channel.writeInbound(new DefaultHttp2HeadersFrame(fields, true));

        HttpRequest head = channel.readInbound();
        assertThat(head).isNotInstanceOf(HttpContent.class);
        assertThat(head.protocolVersion()).isSameAs(StreamFields.HTTP_2);
        assertThat(head.method().name()).isEqualTo("GET");
        assertThat(head.uri()).isEqualTo("/a?b");
        assertThat(head.headers().get("host")).isEqualTo("shop.test");
        assertThat(head.headers().get("cookie")).isEqualTo("a=1; b=2"); // RFC 9113 §8.2.3
        assertThat(head.headers().names()).containsExactlyInAnyOrder("host", "cookie", "accept"); // no pseudo, no x-http2-*
        assertThat(HttpUtil.isTransferEncodingChunked(head)).isFalse();
        LastHttpContent end = channel.readInbound();
        assertThat(end.content().readableBytes()).isZero();
        end.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aBodyWithoutALengthIsChunkedOneWithALengthKeepsItAndTrailersEndIt() {
        EmbeddedChannel unsized = new EmbeddedChannel(new StreamCodec());
        unsized.writeInbound(new DefaultHttp2HeadersFrame(get("/up").method("POST"), false),
                new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), false),
                new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"), true));
        assertThat(HttpUtil.isTransferEncodingChunked(unsized.<HttpRequest>readInbound())).isTrue();
        HttpContent body = unsized.readInbound();
        assertThat(body).isNotInstanceOf(LastHttpContent.class);
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        body.release();
        LastHttpContent end = unsized.readInbound();
        assertThat(end.trailingHeaders().get("grpc-status")).isEqualTo("0");
        end.release();
        assertThat(unsized.finish()).isFalse();

        EmbeddedChannel sized = new EmbeddedChannel(new StreamCodec());
        sized.writeInbound(new DefaultHttp2HeadersFrame(get("/up").method("POST").add("content-length", "3"), false),
                new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), true));
        HttpRequest kept = sized.readInbound();
        assertThat(HttpUtil.isTransferEncodingChunked(kept)).isFalse();
        assertThat(HttpUtil.getContentLength(kept)).isEqualTo(3);
        LastHttpContent last = sized.readInbound();
        assertThat(last.content().readableBytes()).isEqualTo(3);
        last.release();
        assertThat(sized.finish()).isFalse();
    }

    @Test
    void whatFollowsAFaultIsReleasedNotPassedOn() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        ByteBuf after = Unpooled.copiedBuffer("after", StandardCharsets.US_ASCII);
        channel.writeInbound(new DefaultHttp2HeadersFrame(get("/").add("host", "other.test"), false),
                new DefaultHttp2DataFrame(after, true));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(after.refCnt()).isZero();
        assertThat((Object) channel.readOutbound()).isInstanceOf(Http2ResetFrame.class);
    }

    /** Table: what HTTP/2 calls malformed is reset, and nothing reaches the exchange. */
    @Test
    void malformedStreamsAreReset() {
        Object[][] cases = {
                {"no :path", new Object[]{new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").authority("a"), true)}},
                {"no :method", new Object[]{new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().path("/").authority("a"), true)}},
                {"host other than :authority", new Object[]{new DefaultHttp2HeadersFrame(get("/").add("host", "other.test"), true)}},
                {"bad method token", new Object[]{new DefaultHttp2HeadersFrame(get("/").method("G T"), true)}},
                {"headers that do not end the stream after the head",
                        new Object[]{new DefaultHttp2HeadersFrame(get("/"), false), new DefaultHttp2HeadersFrame(get("/"), false)}},
        };
        for (Object[] row : cases) {
            EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
            channel.writeInbound((Object[]) row[1]);
            Object first = channel.readInbound();
            if (row[0].toString().startsWith("headers that")) {
                assertThat(first).as((String) row[0]).isInstanceOf(HttpRequest.class);
                first = channel.readInbound();
            }
            assertThat(first).as((String) row[0]).isNull();
            assertThat((Object) channel.readOutbound()).as((String) row[0]).isInstanceOf(Http2ResetFrame.class);
            assertThat(channel.isOpen()).as((String) row[0]).isFalse();
        }
    }

    // ---- answers: frames as a backend over HTTP/2 would have sent them ----

    @Test
    void anAnswerWithoutBodyOrTrailersIsOneHeadersFrameEndingTheStreamAndBothWritesSucceed() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        ChannelFuture head = channel.write(grpcError());
        ChannelFuture end = channel.write(new DefaultLastHttpContent());
        channel.flush();

        Http2HeadersFrame frame = channel.readOutbound();
        assertThat(frame.isEndStream()).isTrue();
        assertThat(frame.headers().status().toString()).isEqualTo("200");
        assertThat(frame.headers().get("grpc-status").toString()).isEqualTo("3");
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(head.isSuccess()).isTrue();
        assertThat(end.isSuccess()).isTrue();
    }

    @Test
    void aBodyAndTrailersFollowTheHeadAsTheyCameAndConnectionFieldsStayBehind() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        HttpResponse head = grpcError();
        head.headers().set("Connection", "keep-alive").set("Keep-Alive", "timeout=5").set("Transfer-Encoding", "chunked")
                .set("X-Upper", "kept").set("Cache-Control", "no-store");
        channel.write(head);
        channel.write(new DefaultHttpContent(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII)));
        LastHttpContent trailers = new DefaultLastHttpContent();
        trailers.trailingHeaders().set("grpc-status", "0");
        channel.writeAndFlush(trailers);

        Http2HeadersFrame first = channel.readOutbound();
        assertThat(first.isEndStream()).isFalse();
        assertThat(first.headers().names()).extracting(CharSequence::toString)
                .containsExactlyInAnyOrder(":status", "content-type", "grpc-status", "x-upper", "cache-control");
        Http2DataFrame body = channel.readOutbound();
        assertThat(body.isEndStream()).isFalse();
        body.release();
        Http2HeadersFrame end = channel.readOutbound();
        assertThat(end.isEndStream()).isTrue();
        assertThat(end.headers().get("grpc-status").toString()).isEqualTo("0");
        assertThat(end.headers().status()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"Content-Type, content-type", "ETAG, etag", "date, date", "X-Upper, x-upper", "Content-Typ, content-typ",
            "Set-Cookie2, set-cookie2"})
    void fieldNamesAreLowerCase(String name, String sent) {
        assertThat(StreamFields.lowerCase(name).toString()).isEqualTo(sent);
    }

    @Test
    void aWholeAnswerIsHeadersAndOneDataFrameEndingTheStream() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        ChannelFuture written = channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.NOT_FOUND, Unpooled.copiedBuffer("no route", StandardCharsets.US_ASCII)));
        Http2HeadersFrame head = channel.readOutbound();
        assertThat(head.headers().status().toString()).isEqualTo("404");
        assertThat(head.isEndStream()).isFalse();
        Http2DataFrame body = channel.readOutbound();
        assertThat(body.isEndStream()).isTrue();
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("no route");
        body.release();
        assertThat(written.isSuccess()).isTrue();
    }

    /** A streaming answer's head is flushed before any message: it is not held past the flush. */
    @Test
    void aFlushSendsAHeldHead() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        ChannelFuture head = channel.write(grpcError());
        assertThat((Object) channel.readOutbound()).isNull();
        channel.flush();
        assertThat(channel.<Http2HeadersFrame>readOutbound().isEndStream()).isFalse();
        assertThat(head.isSuccess()).isTrue();
    }

    @Test
    void aHeadHeldWhenTheStreamClosesFailsItsWrite() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamCodec());
        ChannelFuture head = channel.write(grpcError());
        channel.pipeline().removeFirst();
        assertThat(head.isDone()).isTrue();
        assertThat(head.isSuccess()).isFalse();
    }
}

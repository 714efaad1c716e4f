package dev.wharf.proxy.http;

import dev.wharf.proxy.support.Settings;
import dev.wharf.route.Frontend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2WindowUpdateFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/2 connection's streams in an {@code EmbeddedChannel}: frames as Netty's frame codec delivers them into
 * {@link Http2Connection}, over the routes, backends and dead marks of {@link ExchangeFixture}. A backend gets what
 * an HTTP/1.1 request would have given it, and the answer comes back as the frames a backend over HTTP/2 would
 * have sent.
 */
class ClientStreamTest extends ExchangeFixture {

    // ---- Requests: what the HTTP/1.1 codec would have delivered ----

    @Test
    void aRequestEndingWithItsHeadersReachesTheBackendAsAnHttp11HeadAndAnEmptyEnd() {
        connect();
        send(headers(1, get("/a?b").add("host", "SHOP.test").add("cookie", "a=1").add("cookie", "b=2")
                .add("accept", "*/*"), true));

        List<Object> sent = backends.last().sent();
        HttpRequest head = (HttpRequest) sent.get(0);
        assertThat(head.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(head.method().name()).isEqualTo("GET");
        assertThat(head.uri()).isEqualTo("/a?b");
        assertThat(head.headers().get("host")).isEqualTo("shop.test");
        assertThat(head.headers().get("cookie")).isEqualTo("a=1; b=2"); // RFC 9113 §8.2.3
        assertThat(head.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(head.headers().names()).noneMatch(name -> name.startsWith(":") || name.startsWith("x-http2"));
        assertThat(HttpUtil.isTransferEncodingChunked(head)).isFalse();
        assertThat(((LastHttpContent) sent.get(1)).content().readableBytes()).isZero();
        assertThat(sent).hasSize(2);
        release(sent);
        backends.last().answer(response(200, "2"), new DefaultLastHttpContent(ascii("ok")));
        release(frames());
        assertThat(backends.last().releasedReusable).isTrue();
    }

    /** A DATA frame's bytes go back to the client's window only once the exchange has taken it. */
    @Test
    void aBodyWithoutALengthIsChunkedEachFrameGivesItsWindowBackAndTrailersEndIt() {
        connect();
        send(headers(1, get("/up").method("POST"), false));
        FakeBackends.Lease lease = backends.last();
        List<Object> head = lease.sent();
        assertThat(HttpUtil.isTransferEncodingChunked((HttpRequest) head.get(0))).isTrue();

        send(data(1, "abc", false));
        List<Object> window = frames();
        assertThat(window).hasSize(1);
        assertThat(((Http2WindowUpdateFrame) window.get(0)).windowSizeIncrement()).isEqualTo(3);
        assertThat(((Http2WindowUpdateFrame) window.get(0)).stream().id()).isEqualTo(1);
        List<Object> body = lease.sent();
        assertThat(body.get(0)).isNotInstanceOf(LastHttpContent.class);
        assertThat(((HttpContent) body.get(0)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");

        send(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"), true).stream(stream(1)));
        List<Object> end = lease.sent();
        assertThat(((LastHttpContent) end.get(0)).trailingHeaders().get("grpc-status")).isEqualTo("0");
        release(head, body, end);

        lease.answer(response(200, "2"), new DefaultLastHttpContent(ascii("ok")));
        List<Object> answer = frames();
        assertThat(((Http2HeadersFrame) answer.get(0)).isEndStream()).isFalse();
        assertThat(((Http2DataFrame) answer.get(1)).isEndStream()).isTrue();
        release(answer);
    }

    @Test
    void aBodyWithALengthKeepsIt() {
        connect();
        send(headers(1, get("/up").method("POST").add("content-length", "3"), false), data(1, "abc", true));
        List<Object> sent = backends.last().sent();
        HttpRequest kept = (HttpRequest) sent.get(0);
        assertThat(HttpUtil.isTransferEncodingChunked(kept)).isFalse();
        assertThat(HttpUtil.getContentLength(kept)).isEqualTo(3);
        assertThat(((LastHttpContent) sent.get(1)).content().readableBytes()).isEqualTo(3);
        release(sent);
        release(frames()); // the window given back
        backends.last().answer(response(204, null), LastHttpContent.EMPTY_LAST_CONTENT);
        release(frames());
    }

    /** Table: what HTTP/2 calls malformed is reset, and nothing of it reaches a backend as a whole request. */
    @Test
    void malformedStreamsAreResetAndWhatFollowsIsReleased() {
        connect();
        Object[][] cases = {
                {"no :path", new DefaultHttp2Headers().method("GET").authority("shop.test")},
                {"no :method", new DefaultHttp2Headers().path("/").authority("shop.test")},
                {"host other than :authority", get("/").add("host", "other.test")},
                {"bad method token", get("/").method("G T")},
        };
        int id = 1;
        for (Object[] row : cases) {
            ByteBuf after = ascii("after");
            send(headers(id, (Http2Headers) row[1], false), new DefaultHttp2DataFrame(after, true).stream(stream(id)));
            List<Object> out = frames();
            assertThat(out).as((String) row[0]).hasSize(1);
            assertThat(((Http2ResetFrame) out.get(0)).errorCode()).as((String) row[0]).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(after.refCnt()).as((String) row[0]).isZero();
            id += 2;
        }
        assertThat(backends.leases).isEmpty();

        // Headers after the head that do not end the stream: the backend, which had the head, is let go unfinished.
        send(headers(id, get("/"), false), headers(id, get("/"), false));
        assertThat(((Http2ResetFrame) frames().get(0)).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        release(backends.last().sent());
        assertThat(backends.last().releasedReusable).isFalse();
    }

    @Test
    void theClientsResetLetsTheBackendGoAndLateFramesAreReleased() {
        connect();
        send(headers(1, get("/up").method("POST"), false));
        release(backends.last().sent());
        send(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream(1)));
        assertThat(backends.last().releasedReusable).isFalse();

        ByteBuf late = ascii("late");
        send(new DefaultHttp2DataFrame(late, true).stream(stream(1)));
        assertThat(late.refCnt()).isZero();
        assertThat(frames()).isEmpty();
    }

    @Test
    void aFaultInOneStreamsExchangeResetsThatStreamAndTheConnectionGoesOn() {
        route(new Frontend("broken.test", "", "broken.test", List.of("http://10.0.0.9:80"), Set.of(), Map.of()));
        backends.fail("http://10.0.0.9:80");
        connect();
        send(headers(1, get("/").authority("broken.test"), true));
        List<Object> out = frames();
        assertThat(out).hasSize(1);
        assertThat(((Http2ResetFrame) out.get(0)).errorCode()).isEqualTo(Http2Error.CANCEL.code());
        assertThat(client.isActive()).isTrue();

        send(headers(3, get("/"), true));
        release(backends.last().sent());
        backends.last().answer(response(200, "2"), new DefaultLastHttpContent(ascii("ok")));
        List<Object> answer = frames();
        assertThat(((Http2HeadersFrame) answer.get(0)).stream().id()).isEqualTo(3);
        release(answer);
    }

    // ---- Answers: frames as a backend over HTTP/2 would have sent them ----

    @Test
    void anAnswerWithoutBodyOrTrailersIsOneHeadersFrameEndingTheStream() {
        connect();
        send(headers(1, get("/"), true));
        release(backends.last().sent());
        HttpResponse grpcError = response(200, null);
        grpcError.headers().set("content-type", "application/grpc").set("grpc-status", "3");
        backends.last().answer(grpcError, LastHttpContent.EMPTY_LAST_CONTENT);

        List<Object> out = frames();
        assertThat(out).hasSize(1);
        Http2HeadersFrame frame = (Http2HeadersFrame) out.get(0);
        assertThat(frame.stream().id()).isEqualTo(1);
        assertThat(frame.isEndStream()).isTrue();
        assertThat(frame.headers().status().toString()).isEqualTo("200");
        assertThat(frame.headers().get("grpc-status").toString()).isEqualTo("3");
        assertThat(backends.last().releasedReusable).isTrue();
    }

    @Test
    void aBodyAndTrailersFollowTheHeadAsTheyCameAndConnectionFieldsStayBehind() {
        connect();
        send(headers(1, get("/"), true));
        release(backends.last().sent());
        HttpResponse head = response(200, null);
        head.headers().set("Connection", "keep-alive").set("Keep-Alive", "timeout=5").set("Transfer-Encoding", "chunked")
                .set("Content-Type", "application/grpc").set("X-Upper", "kept").set("Cache-Control", "no-store");
        LastHttpContent trailers = new DefaultLastHttpContent();
        trailers.trailingHeaders().set("grpc-status", "0");
        backends.last().answer(head, new DefaultHttpContent(ascii("x")), trailers);

        List<Object> out = frames();
        Http2HeadersFrame first = (Http2HeadersFrame) out.get(0);
        assertThat(first.isEndStream()).isFalse();
        assertThat(first.headers().names()).extracting(CharSequence::toString)
                .containsExactlyInAnyOrder(":status", "content-type", "x-upper", "cache-control");
        assertThat(out.get(1)).isInstanceOf(Http2DataFrame.class);
        Http2HeadersFrame end = (Http2HeadersFrame) out.get(out.size() - 1);
        assertThat(end.isEndStream()).isTrue();
        assertThat(end.headers().get("grpc-status").toString()).isEqualTo("0");
        assertThat(end.headers().status()).isNull();
        release(out);
    }

    @ParameterizedTest
    @CsvSource({"Content-Type, content-type", "ETAG, etag", "date, date", "X-Upper, x-upper", "Content-Typ, content-typ",
            "Set-Cookie2, set-cookie2"})
    void fieldNamesAreLowerCase(String name, String sent) {
        assertThat(StreamFields.lowerCase(name).toString()).isEqualTo(sent);
    }

    @Test
    void aLocalAnswerIsHeadersAndOneDataFrameEndingTheStream() {
        connect();
        send(headers(1, get("/").authority("nowhere.test"), true));
        List<Object> out = frames();
        assertThat(out).hasSize(2);
        assertThat(((Http2HeadersFrame) out.get(0)).headers().status().toString()).isEqualTo("404");
        Http2DataFrame body = (Http2DataFrame) out.get(1);
        assertThat(body.isEndStream()).isTrue();
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).contains("no route for host nowhere.test");
        release(out);
    }

    /** A streaming answer's head goes out when the backend's read ends: it is not held past the flush. */
    @Test
    void aStreamingAnswersHeadGoesOutAtTheFlush() {
        connect();
        send(headers(1, get("/events"), true));
        release(backends.last().sent());
        backends.last().answer(response(200, null));
        List<Object> out = frames();
        assertThat(out).hasSize(1);
        assertThat(((Http2HeadersFrame) out.get(0)).isEndStream()).isFalse();
        backends.last().answer(new DefaultLastHttpContent());
        assertThat(((Http2DataFrame) frames().get(0)).isEndStream()).isTrue();
    }

    @Test
    void aHeadHeldWhenTheStreamEndsFailsItsWrite() {
        connect();
        Http2Connection connection = client.pipeline().get(Http2Connection.class);
        ClientStream stream = new ClientStream(connection, client.pipeline().context(connection), stream(1));
        ChannelFuture head = stream.write(response(200, null));
        assertThat(head.isDone()).isFalse();
        stream.end();
        assertThat(head.isDone()).isTrue();
        assertThat(head.isSuccess()).isFalse();
    }

    /** The answer is whole before the body is: the client may stop sending (RFC 9113 §8.1). */
    @Test
    void anAnswerBeforeTheWholeBodyResetsTheStreamWithNoError() {
        connect();
        send(headers(1, get("/up").method("POST"), false));
        release(backends.last().sent());
        backends.last().answer(response(200, "2"), new DefaultLastHttpContent(ascii("ok")));
        List<Object> out = frames();
        assertThat(out).hasSize(3);
        assertThat(((Http2DataFrame) out.get(1)).isEndStream()).isTrue();
        assertThat(((Http2ResetFrame) out.get(2)).errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
        assertThat(backends.last().releasedReusable).isFalse();
        release(out);
    }

    // ---- Timers: one for all the streams of a connection ----

    @Test
    void eachStreamGetsItsOwnRoutesTimeoutFromTheConnectionsOneTimer() {
        settings = Settings.timeouts(settings, Duration.ofSeconds(2), Duration.ofSeconds(30));
        route(new Frontend("quick.test", "", "quick.test", List.of("http://10.0.0.2:80"), Set.of(), Map.of("timeout", "300ms")));
        route(new Frontend("medium.test", "", "medium.test", List.of("http://10.0.0.3:80"), Set.of(), Map.of("timeout", "1s")));
        connect();
        send(headers(1, get("/"), true));
        send(headers(3, get("/").authority("medium.test"), true));
        send(headers(5, get("/").authority("quick.test"), true));
        backends.leases.forEach(lease -> release(lease.sent()));

        // Each deadline in turn, the earliest first: the one timer wakes for the next of those left.
        int[][] steps = {{400, 5}, {700, 3}, {1_000, 1}};
        List<String> expected = new ArrayList<>();
        for (int[] step : steps) {
            client.advanceTimeBy(step[0], TimeUnit.MILLISECONDS);
            client.runPendingTasks();
            List<Object> out = frames();
            assertThat(out).as("after another %d ms", step[0]).hasSize(2);
            assertThat(((Http2HeadersFrame) out.get(0)).stream().id()).isEqualTo(step[1]);
            assertThat(((Http2HeadersFrame) out.get(0)).headers().status().toString()).isEqualTo("504");
            expected.add("http://10.0.0." + (step[1] == 5 ? 2 : step[1] == 3 ? 3 : 1) + ":80");
            assertThat(marks).containsExactlyElementsOf(expected);
            release(out);
        }
    }

    @Test
    void aBodyThatStopsComingGets408AndTheStreamIsReset() {
        settings = Settings.timeouts(settings, Duration.ofSeconds(30), Duration.ofSeconds(2));
        connect();
        send(headers(1, get("/up").method("POST"), false));
        release(backends.last().sent());
        client.advanceTimeBy(3, TimeUnit.SECONDS);
        client.runPendingTasks();

        List<Object> out = frames();
        assertThat(((Http2HeadersFrame) out.get(0)).headers().status().toString()).isEqualTo("408");
        assertThat(((Http2ResetFrame) out.get(out.size() - 1)).errorCode()).isEqualTo(Http2Error.CANCEL.code());
        assertThat(backends.last().releasedReusable).isFalse();
        release(out);
    }

    // ---- Fixture ----

    private void connect() {
        route(new Frontend("shop.test", "", "shop.test", List.of("http://10.0.0.1:80"), Set.of(), Map.of()));
        client = new EmbeddedChannel(new Http2Connection(context(), "https"));
    }

    /** The frame codec's stream: an id, and open (an embedded channel has no codec to close it). */
    private static Http2FrameStream stream(int id) {
        return new Http2FrameStream() {
            @Override
            public int id() {
                return id;
            }

            @Override
            public Http2Stream.State state() {
                return Http2Stream.State.OPEN;
            }
        };
    }

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("https").authority("shop.test").path(path);
    }

    private static Http2StreamFrame headers(int id, Http2Headers fields, boolean endStream) {
        return new DefaultHttp2HeadersFrame(fields, endStream).stream(stream(id));
    }

    private static Http2StreamFrame data(int id, String text, boolean endStream) {
        return new DefaultHttp2DataFrame(ascii(text), endStream).stream(stream(id));
    }

    private void send(Object... frames) {
        client.writeInbound(frames);
        client.runPendingTasks();
    }

    /** What the connection wrote to the frame codec since the last look. */
    private List<Object> frames() {
        List<Object> out = new ArrayList<>();
        for (Object frame; (frame = client.readOutbound()) != null; ) {
            out.add(frame);
        }
        return out;
    }
}

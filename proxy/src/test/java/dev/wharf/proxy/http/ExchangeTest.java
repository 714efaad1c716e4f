package dev.wharf.proxy.http;

import dev.wharf.proxy.support.Settings;
import dev.wharf.route.Frontend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request path in an {@code EmbeddedChannel}: raw bytes into the client pipeline the proxy builds, over the
 * routes, backends and dead marks of {@link ExchangeFixture}.
 */
class ExchangeTest extends ExchangeFixture {

    private static final String GET = "GET /path?q=1 HTTP/1.1\r\nHost: app.test\r\n\r\n";

    static Stream<Arguments> answersWithoutABackend() {
        return Stream.of(
                // name, request, backends of app.test (refusing), status line, connection stays open, dead marks
                Arguments.of("ping", "GET / HTTP/1.1\r\nHost: __ping__\r\n\r\n", List.of(), "HTTP/1.1 200 OK", true, 0),
                Arguments.of("unknown host", "GET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n", List.of(), "HTTP/1.1 404 Not Found", true, 0),
                Arguments.of("no Host", "GET / HTTP/1.1\r\n\r\n", List.of(), "HTTP/1.1 400 Bad Request", false, 0),
                Arguments.of("bad Host", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", List.of(), "HTTP/1.1 400 Bad Request", false, 0),
                Arguments.of("NUL in target", "GET /a\u0000b HTTP/1.1\r\nHost: app.test\r\n\r\n", List.of(), "HTTP/1.1 400 Bad Request", false, 0),
                Arguments.of("gzip coding", "POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", List.of(),
                        "HTTP/1.1 501 Not Implemented", false, 0),
                Arguments.of("CONNECT", "CONNECT app.test:443 HTTP/1.1\r\nHost: app.test:443\r\n\r\n", List.of(),
                        "HTTP/1.1 501 Not Implemented", false, 0),
                Arguments.of("every backend refuses", GET, List.of("http://10.0.0.1:80", "http://10.0.0.2:80"),
                        "HTTP/1.1 502 Bad Gateway", true, 2),
                Arguments.of("refused, with a body left unread", "POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100\r\n\r\nabc",
                        List.of("http://10.0.0.1:80"), "HTTP/1.1 502 Bad Gateway", false, 1),
                Arguments.of("no usable backend", GET, List.of(), "HTTP/1.1 502 Bad Gateway", true, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void answersWithoutABackend(String name, String request, List<String> refusing, String statusLine, boolean open, int deadMarks) {
        route("app.test", refusing.isEmpty() ? new String[] {"not a url"} : refusing.toArray(String[]::new));
        refusing.forEach(backends::refuse);
        connect();

        String answer = send(request);

        assertThat(answer).startsWith(statusLine + "\r\n");
        assertThat(client.isActive()).as("connection open").isEqualTo(open);
        assertThat(answer.contains("connection: close")).as("says close").isEqualTo(!open);
        assertThat(marks).hasSize(deadMarks);
        assertThat(backends.leases).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            // method | target                                    | status: the answer, or 308 (routed: --redirect-https)
            "GET      | /.well-known/acme-challenge/tok_EN-1      | 200",
            "GET      | /.well-known/acme-challenge/other         | 308",
            "GET      | /.well-known/acme-challenge/tok%2e        | 308",
            "GET      | /.well-known/acme-challenge/tok_EN-1?x    | 308",
            "GET      | /.well-known/acme-challenge/              | 308",
            "POST     | /.well-known/acme-challenge/tok_EN-1      | 308",
    })
    void answersAnAcmeChallengeAnOrderWaitsOnAndRoutesTheRest(String method, String target, int status) {
        challenges.put("tok_EN-1", "tok_EN-1.thumbprint");
        settings = Settings.redirectHttps(settings); // the CA's check is answered before any redirect
        connect();

        // Any host: the CA checks a host that has no route on this proxy yet as well.
        String answer = send(method + " " + target + " HTTP/1.1\r\nHost: new.example.com\r\nContent-Length: 0\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
        if (status == 200) {
            assertThat(answer).endsWith("\r\n\r\ntok_EN-1.thumbprint");
            assertThat(client.isActive()).isTrue();
        }
    }

    @Test
    void a404SaysWhyTheAgentsGaveTheHostNoRoute() {
        whyNot.put("down.test", List.of("container web-1 is unhealthy", "container web-2 is not running"));
        connect();

        String answer = send("GET / HTTP/1.1\r\nHost: down.test\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 404 Not Found\r\n")
                .endsWith("no route for host down.test: container web-1 is unhealthy; container web-2 is not running\n");
        assertThat(client.isActive()).isTrue();
    }

    @Test
    void a502SaysWhyToo() {
        route("app.test", "http://10.0.0.1:80");
        backends.refuse("http://10.0.0.1:80");
        whyNot.put("app.test", List.of("container web-2 is starting (its health check has not passed yet)"));
        connect();

        String answer = send(GET);

        assertThat(answer).startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("container web-2 is starting (its health check has not passed yet)");
    }

    @Test
    void forwardsTheRequestRelaysTheAnswerAndReusesTheConnection() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        send(GET);
        FakeBackends.Lease lease = backends.last();
        List<Object> sent = lease.sent();
        HttpRequest forwarded = (HttpRequest) sent.get(0);
        assertThat(forwarded.uri()).isEqualTo("/path?q=1");
        assertThat(forwarded.headers().get(HttpHeaderNames.HOST)).isEqualTo("app.test");
        assertThat(forwarded.headers().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(sent.get(1)).isInstanceOf(LastHttpContent.class);
        release(sent);

        lease.answer(response(200, "5"), new DefaultLastHttpContent(ascii("hello")));
        assertThat(received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello");
        assertThat(lease.releasedReusable).isTrue();
        assertThat(client.isActive()).isTrue();
    }

    static Stream<Arguments> routeOptionsAnswerLocally() {
        return Stream.of(
                // name, options of app.test/api, request, status line, header the answer must have, connection stays open
                Arguments.of("redirect", Map.of("redirect", "https://example.com"), "GET /api/x?y HTTP/1.1\r\nHost: app.test\r\n\r\n",
                        "HTTP/1.1 308 Permanent Redirect", "location: https://example.com/api/x?y", true),
                Arguments.of("https-redirect", Map.of("https-redirect", "true"), "GET /api HTTP/1.1\r\nHost: app.test\r\n\r\n",
                        "HTTP/1.1 308 Permanent Redirect", "location: https://app.test/api", true),
                Arguments.of("allow: no peer address", Map.of("allow", "10.0.0.0/8"), "GET /api HTTP/1.1\r\nHost: app.test\r\n\r\n",
                        "HTTP/1.1 403 Forbidden", "content-type: text/plain", true),
                Arguments.of("auth: no credentials", Map.of("auth", "u:$2y$04$" + "a".repeat(53)), "GET /api HTTP/1.1\r\nHost: app.test\r\n\r\n",
                        "HTTP/1.1 401 Unauthorized", "www-authenticate: Basic realm=\"app.test\"", true),
                Arguments.of("max-body by Content-Length", Map.of("max-body", "4"),
                        "POST /api HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello",
                        "HTTP/1.1 413 Request Entity Too Large", "connection: close", false),
                Arguments.of("dotted path reaches the path route's options", Map.of("allow", "10.0.0.0/8"),
                        "GET /x/../%61pi HTTP/1.1\r\nHost: app.test\r\n\r\n", "HTTP/1.1 403 Forbidden", "content-type: text/plain", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void routeOptionsAnswerLocally(String name, Map<String, String> options, String request, String statusLine, String header,
                                   boolean open) {
        route("app.test", "http://10.0.0.1:80");
        route(new Frontend("app.test", "/api", "app.test", List.of("http://10.0.0.2:80"), Set.of(), options));
        connect();

        String answer = send(request);

        assertThat(answer).startsWith(statusLine + "\r\n").contains("\r\n" + header);
        assertThat(client.isActive()).as("connection open").isEqualTo(open);
        assertThat(backends.leases).isEmpty();
    }

    @Test
    void aPathRouteStripsItsPrefixAndAChunkedBodyOverTheLimitIsCut() {
        route("app.test", "http://10.0.0.1:80");
        route(new Frontend("app.test", "/api", "app.test", List.of("http://10.0.0.2:80"), Set.of(),
                Map.of("strip-path", "true", "max-body", "4")));
        connect();

        send("POST /api/users?id=7 HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        FakeBackends.Lease lease = backends.last();
        HttpRequest forwarded = (HttpRequest) lease.sent().get(0);
        assertThat(forwarded.uri()).isEqualTo("/users?id=7");
        assertThat(forwarded.headers().get("X-Forwarded-Prefix")).isEqualTo("/api");
        release(lease.sent());

        String answer = send("3\r\ndef\r\n0\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n").contains("over the limit of 4 bytes");
        assertThat(lease.releasedReusable).isFalse();
        assertThat(client.isActive()).isFalse();
    }

    @Test
    void aPipelinedRequestWaitsForTheOneBefore() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        send(GET + GET.replace("/path", "/second"));
        assertThat(backends.leases).hasSize(1);
        release(backends.last().sent());

        backends.last().answer(response(200, "0"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(backends.leases).hasSize(2);
        List<Object> second = backends.last().sent();
        assertThat(((HttpRequest) second.get(0)).uri()).isEqualTo("/second?q=1");
        release(second);
        backends.last().answer(response(204, null), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(received()).contains("HTTP/1.1 200 OK").contains("HTTP/1.1 204 No Content");
    }

    @Test
    void triesTheNextBackendWhenOneRefusesAndMarksItDead() {
        route("app.test", "http://10.0.0.1:80", "http://10.0.0.2:80");
        backends.refuse("http://10.0.0.1:80");
        connect();

        send(GET);
        send(GET);

        assertThat(backends.leases).extracting(lease -> lease.url.toString()).containsOnly("http://10.0.0.2:80");
        assertThat(marks).containsExactly("http://10.0.0.1:80");
        backends.leases.forEach(lease -> release(lease.sent()));
    }

    @Test
    void retriesOnAFreshConnectionWhenAKeptAliveOneWasClosed() {
        route("app.test", "http://10.0.0.1:80");
        backends.withIdleConnection();
        connect();

        send(GET);
        FakeBackends.Lease stale = backends.last();
        release(stale.sent());
        stale.channel.close();

        FakeBackends.Lease fresh = backends.last();
        assertThat(fresh).isNotSameAs(stale);
        List<Object> sent = fresh.sent();
        assertThat(sent).hasSize(2);
        release(sent);
        fresh.answer(response(200, "0"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(received()).startsWith("HTTP/1.1 200 OK");
        assertThat(marks).isEmpty();
    }

    @Test
    void answers504AndMarksTheBackendDeadWhenItStaysSilent() {
        settings = Settings.timeouts(settings, Duration.ofSeconds(2), Duration.ofSeconds(30));
        route("app.test", "http://10.0.0.1:80");
        connect();

        send(GET);
        release(backends.last().sent());
        client.advanceTimeBy(1, TimeUnit.SECONDS);
        client.runPendingTasks();
        assertThat(received()).isEmpty();
        client.advanceTimeBy(2, TimeUnit.SECONDS);
        client.runPendingTasks();

        assertThat(received()).startsWith("HTTP/1.1 504 Gateway Timeout");
        assertThat(marks).containsExactly("http://10.0.0.1:80");
        assertThat(backends.last().releasedReusable).isFalse();
    }

    @Test
    void aRoutesShorterTimeoutAppliesOnAConnectionThatWaitedLongerBefore() {
        route("app.test", "http://10.0.0.1:80");
        route(new Frontend("quick.test", "", "quick.test", List.of("http://10.0.0.2:80"), Set.of(), Map.of("timeout", "300ms")));
        connect();

        send(GET);
        release(backends.last().sent());
        backends.last().answer(response(200, "2"), new DefaultLastHttpContent(ascii("ok")));
        assertThat(received()).startsWith("HTTP/1.1 200 OK");

        send("GET / HTTP/1.1\r\nHost: quick.test\r\n\r\n");
        release(backends.last().sent());
        client.advanceTimeBy(400, TimeUnit.MILLISECONDS);
        client.runPendingTasks();

        assertThat(received()).startsWith("HTTP/1.1 504 Gateway Timeout");
        assertThat(marks).containsExactly("http://10.0.0.2:80");
    }

    @Test
    void aMalformedChunkNeverReachesTheBackendAsAWholeBody() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        String answer = send("POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");

        List<Object> sent = backends.last().sent();
        assertThat(sent).noneMatch(LastHttpContent.class::isInstance);
        release(sent);
        assertThat(backends.last().releasedReusable).isFalse();
        assertThat(answer).startsWith("HTTP/1.1 400 Bad Request").contains("malformed request body");
        assertThat(client.isActive()).isFalse();
    }

    @Test
    void aMalformedResponseIsNeverRelayed() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        send(GET);
        release(backends.last().sent());
        HttpResponse broken = response(200, "5");
        broken.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(new IllegalArgumentException("bad header")));
        backends.last().answer(broken);

        assertThat(received()).startsWith("HTTP/1.1 502 Bad Gateway").contains("malformed response (bad header)");
        assertThat(backends.last().releasedReusable).isFalse();
    }

    @Test
    void relaysAnInterim100AndThenTheAnswer() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        send("POST / HTTP/1.1\r\nHost: app.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        FakeBackends.Lease lease = backends.last();
        lease.answer(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(received()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");

        send("hello");
        List<Object> sent = lease.sent();
        assertThat(((HttpContent) sent.get(sent.size() - 1)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        release(sent);
        lease.answer(response(201, "0"), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(received()).startsWith("HTTP/1.1 201 Created");
        assertThat(lease.releasedReusable).isTrue();
    }

    @Test
    void relaysRawBytesBothWaysAfterA101() {
        route("app.test", "http://10.0.0.1:80");
        connect();

        send("GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        FakeBackends.Lease lease = backends.last();
        HttpRequest forwarded = (HttpRequest) lease.sent().get(0);
        assertThat(forwarded.headers().get(HttpHeaderNames.UPGRADE)).isEqualTo("websocket");
        HttpResponse switching = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        switching.headers().set(HttpHeaderNames.CONNECTION, "Upgrade").set(HttpHeaderNames.UPGRADE, "websocket");
        lease.answer(switching, LastHttpContent.EMPTY_LAST_CONTENT, ascii("server-first"));

        assertThat(received()).startsWith("HTTP/1.1 101 Switching Protocols").endsWith("\r\n\r\nserver-first");
        assertThat(lease.upgraded).isTrue();
        assertThat(client.pipeline().get(Relay.class)).isNotNull();
        assertThat(client.pipeline().get(ClientConnection.class)).isNull();

        send("GET not http at all\r\n");
        ByteBuf up = (ByteBuf) lease.channel.readOutbound();
        assertThat(up.toString(StandardCharsets.US_ASCII)).isEqualTo("GET not http at all\r\n");
        up.release();
        lease.answer(ascii("down"));
        assertThat(received()).isEqualTo("down");

        lease.channel.close();
        client.runPendingTasks();
        assertThat(received()).isEmpty();
        assertThat(client.isActive()).isFalse();
    }

    // ---- Fixture ----

    private void connect() {
        ProxyContext context = context();
        client = new EmbeddedChannel(false, false);
        new ProxyInitializer(context, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)).initPipeline(client);
        try {
            client.register(); // active only now, so the connection sees channelActive as on a real socket
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes raw bytes as the client and returns what the client has received since the last look. */
    private String send(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
        return received();
    }

    private String received() {
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = client.readOutbound()) != null; ) {
            ByteBuf bytes = (ByteBuf) msg;
            out.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return out.toString();
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Requests a proxy must refuse, smuggling attempts first: answered with an error and a close, never passed on
 * (the backend sees no request and no connection); and what the proxy changes in the heads it does pass on.
 */
class MalformedRequestIT {

    private static TestProxy proxy;
    private static TestBackend backend;

    @BeforeAll
    static void start() {
        proxy = TestProxy.start(TestRedis.url());
        backend = TestBackend.start("target");
        proxy.route("target.example.net", backend.url());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    static Stream<Arguments> malformed() {
        String host = "Host: target.example.net\r\n";
        return Stream.of(
                arguments("garbage request line", "GARBAGE\r\n\r\n", "HTTP/1.1 400"),
                arguments("request line too long", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 414"),
                arguments("headers too large", "GET / HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(20_000) + "\r\n\r\n", "HTTP/1.1 431"),
                arguments("Content-Length and Transfer-Encoding (smuggling)", "POST / HTTP/1.1\r\n" + host
                        + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("two different Content-Lengths", "POST / HTTP/1.1\r\n" + host
                        + "Content-Length: 4\r\nContent-Length: 30\r\n\r\nabcd", "HTTP/1.1 400"),
                arguments("obfuscated transfer coding", "POST / HTTP/1.1\r\n" + host
                        + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400"),
                arguments("transfer coding other than chunked", "POST / HTTP/1.1\r\n" + host
                        + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 501"),
                arguments("space before the colon", "GET / HTTP/1.1\r\nHost : target.example.net\r\n\r\n", "HTTP/1.1 400"),
                // Request-target: printable ASCII only (the proxy must route by what the backend will see).
                arguments("NUL in the target", "GET /adm\u0000in HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("SOH in the target", "GET /adm\u0001in HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("backspace in the target", "GET /a\u0008b HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("ESC in the target (log injection)", "GET /\u001b[31mred HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("DEL in the target", "GET /a\u007fb HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("NUL hiding an HTTP/0.9 line", "GET /?a=1&last=marker\u0000HTTP/0.9 HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("non-ASCII byte in the target", "GET /caf\u00e9 HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("fragment in the target", "GET /page#top HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("target neither a path nor a URL", "GET page HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("asterisk target for GET", "GET * HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("absolute-form with userinfo", "GET http://user@target.example.net/ HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                // Method and version.
                arguments("CONNECT", "CONNECT target.example.net:443 HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 501"),
                arguments("method that is not a token", "G(E)T / HTTP/1.1\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("HTTP/0.9 with headers", "GET / HTTP/0.9\r\n" + host + "\r\n", "HTTP/1.1 400"),
                arguments("HTTP/2.0 on an HTTP/1 connection", "GET / HTTP/2.0\r\n" + host + "\r\n", "HTTP/1.1 505"),
                // Header fields.
                arguments("header name that is not a token", "GET / HTTP/1.1\r\n" + host + "X(a): b\r\n\r\n", "HTTP/1.1 400"),
                arguments("NUL in a header value", "GET / HTTP/1.1\r\n" + host + "X-A: a\u0000b\r\n\r\n", "HTTP/1.1 400"),
                arguments("control byte in a header value", "GET / HTTP/1.1\r\n" + host + "X-A: a\u0001b\r\n\r\n", "HTTP/1.1 400"),
                arguments("bare CR in a header value", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", "HTTP/1.1 400"),
                arguments("DEL in a header value", "GET / HTTP/1.1\r\n" + host + "X-A: a\u007fb\r\n\r\n", "HTTP/1.1 400"),
                arguments("two Host headers", "GET / HTTP/1.1\r\n" + host + "Host: other.example.net\r\n\r\n", "HTTP/1.1 400"),
                arguments("signed Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +4\r\n\r\nabcd", "HTTP/1.1 400"),
                arguments("hex Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x4\r\n\r\nabcd", "HTTP/1.1 400"),
                arguments("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\n" + host
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesAndClosesWithoutForwarding(String name, String request, String statusLine) {
        int before = backend.requests();
        int connections = backend.connections();
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send(request).readResponse()).startsWith(statusLine).containsIgnoringCase("connection: close")
                    .doesNotContain("\u0000", "\u0001", "\u001b");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(backend.requests()).isEqualTo(before);
        assertThat(backend.connections()).isEqualTo(connections);
    }

    /** Regression: the backend's 400 for the middle request was relayed and the client connection stayed open. */
    @Test
    void aBadRequestInAPipelineEndsTheConnectionAfterTheGoodOnesBeforeIt() {
        int before = backend.requests();
        String host = "Host: target.example.net\r\n";
        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /a HTTP/1.1\r\n" + host + "\r\nGET \u0000?x HTTP/1.1\r\n" + host + "\r\nGET /b HTTP/1.1\r\n" + host + "\r\n");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("target");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(backend.requests()).isEqualTo(before + 1);
    }

    static Stream<Arguments> malformedBodies() {
        String head = "POST /count HTTP/1.1\r\nHost: target.example.net\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
        return Stream.of(
                arguments("chunk size of 2^32", head + "100000000\r\n"),
                arguments("chunk size of 2^64", head + "10000000000000000\r\n"),
                arguments("chunk size not hex", head + "zz\r\n"),
                arguments("chunk size with a control byte", head + "5\u0000\r\n"));
    }

    /** Regression: a failed chunk reached the backend as a complete body, 200 to the client, then silence. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void aMalformedChunkedBodyIsNeverCommittedAsWhole(String name, String request) {
        int complete = backend.completeBodies();
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send(request).readResponse()).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(backend.completeBodies()).isEqualTo(complete);
    }

    @Test
    void dropsProxyAndUnderscoreHeadersAndJoinsFoldedLines() {
        String response;
        try (RawHttp raw = new RawHttp(proxy.port())) {
            response = raw.send("GET /headers HTTP/1.1\r\nHost: target.example.net\r\nProxy: http://evil.example:8080\r\n"
                    + "X_Forwarded_For: 6.6.6.6\r\nX-Folded: one\r\n two\r\nConnection: close\r\n\r\n").readResponse();
        }
        assertThat(response).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("proxy:")
                .doesNotContainIgnoringCase("x_forwarded_for").doesNotContain("6.6.6.6").contains("x-folded: one two");
    }

    @Test
    void keepsUnderscoreHeadersWhenAllowed() {
        try (TestProxy lenient = TestProxy.start(TestRedis.url(), Settings::underscoresInHeaders)) {
            lenient.route("target.example.net", backend.url());
            try (RawHttp raw = new RawHttp(lenient.port())) {
                assertThat(raw.send("GET /headers HTTP/1.1\r\nHost: target.example.net\r\nX_Custom: yes\r\n"
                        + "Connection: close\r\n\r\n").readResponse()).contains("x_custom: yes");
            }
        }
    }

    @Test
    void routesAnAbsoluteFormTargetByItsAuthorityAndForwardsOriginForm() {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send("GET http://target.example.net/headers?q=1 HTTP/1.1\r\nHost: elsewhere.example.net\r\n"
                    + "Connection: close\r\n\r\n").readResponse())
                    .startsWith("HTTP/1.1 200").contains("GET /headers?q=1 HTTP/1.1", "host: target.example.net");
        }
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Requests a proxy must refuse, smuggling attempts first: answered with an error, never passed on. */
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
                arguments("space before the colon", "GET / HTTP/1.1\r\nHost : target.example.net\r\n\r\n", "HTTP/1.1 400"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesAndClosesWithoutForwarding(String name, String request, String statusLine) {
        int before = backend.requests();
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send(request).readResponse()).startsWith(statusLine).containsIgnoringCase("connection: close");
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(backend.requests()).isEqualTo(before);
    }
}

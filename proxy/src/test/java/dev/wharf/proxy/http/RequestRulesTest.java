package dev.wharf.proxy.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RequestRulesTest {

    private static HttpRequest head(String method, String uri, String version, String... headers) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.valueOf(version), HttpMethod.valueOf(method), uri, false);
        head.headers().add("Host", "shop.example.com");
        for (int i = 0; i < headers.length; i += 2) {
            head.headers().add(headers[i], headers[i + 1]);
        }
        return head;
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                arguments("plain path", head("GET", "/", "HTTP/1.1")),
                arguments("query with characters browsers send raw", head("GET", "/s?q=a|b^c{d}&e=\"f\"&g=100%", "HTTP/1.1")),
                arguments("percent-encoded bytes", head("GET", "/caf%C3%A9?x=%00", "HTTP/1.1")),
                arguments("OPTIONS *", head("OPTIONS", "*", "HTTP/1.1")),
                arguments("HTTP/1.0", head("GET", "/", "HTTP/1.0")),
                arguments("a later HTTP/1 minor version", head("GET", "/", "HTTP/1.2")),
                arguments("obs-text and tabs in a value", head("GET", "/", "HTTP/1.1", "X-Name", "caf\u00e9\tbar")),
                arguments("extension method", head("PROPFIND", "/dav", "HTTP/1.1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepts(String name, HttpRequest head) throws Exception {
        String uri = head.uri();
        RequestRules.check(head, false);
        assertThat(head.uri()).isEqualTo(uri);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                arguments(head("GET", "/a\u0000b", "HTTP/1.1"), 400, "forbidden byte 0x00 at 2"),
                arguments(head("GET", "/a\u001bb", "HTTP/1.1"), 400, "forbidden byte 0x1b"),
                arguments(head("GET", "/a\u007fb", "HTTP/1.1"), 400, "forbidden byte 0x7f"),
                arguments(head("GET", "/caf\u00e9", "HTTP/1.1"), 400, "forbidden byte 0xe9"),
                arguments(head("GET", "/#frag", "HTTP/1.1"), 400, "forbidden byte 0x23"),
                arguments(head("GET", "relative", "HTTP/1.1"), 400, "is not a path or an http URL"),
                arguments(head("GET", "*", "HTTP/1.1"), 400, "OPTIONS only"),
                arguments(head("GET", "http:///x", "HTTP/1.1"), 400, "no usable authority"),
                arguments(head("CONNECT", "/", "HTTP/1.1"), 501, "CONNECT is not proxied"),
                arguments(head("GET", "/", "HTTP/0.9"), 400, "'HTTP/0.9' not understood"),
                arguments(head("GET", "/", "HTTP/2.0"), 505, "HTTP/2.0 not supported"),
                arguments(head("GET", "/", "HTTP/1.1", "X-A", "a\u0000b"), 400, "header X-A has a control byte 0x00"),
                arguments(head("GET", "/", "HTTP/1.1", "X-A", "a\rb"), 400, "control byte 0x0d"),
                arguments(head("GET", "/", "HTTP/1.1", "X-A", "a\nb"), 400, "control byte 0x0a"),
                arguments(head("GET", "/", "HTTP/1.1", "Host", "evil.example.com"), 400, "more than one Host"),
                arguments(head("POST", "/", "HTTP/1.1", "Content-Length", "-1"), 400, "Content-Length '-1' is not a number"),
                arguments(head("POST", "/", "HTTP/1.0", "Transfer-Encoding", "chunked"), 400, "Transfer-Encoding in an HTTP/1.0"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("refused")
    void refuses(HttpRequest head, int status, String reason) {
        assertThatThrownBy(() -> RequestRules.check(head, false))
                .isInstanceOfSatisfying(RequestRules.Refusal.class, r -> assertThat(r.status().code()).isEqualTo(status))
                .hasMessageContaining(reason);
    }

    @org.junit.jupiter.api.Test
    void dropsProxyAndUnderscoreNamesAndRewritesAbsoluteForm() throws Exception {
        HttpRequest head = head("GET", "HTTP://api.example.com:8080?q=1", "HTTP/1.1",
                "Proxy", "http://evil:1", "X_Real_IP", "6.6.6.6", "X-Kept", "yes");
        RequestRules.check(head, false);
        assertThat(head.uri()).isEqualTo("/?q=1");
        assertThat(head.headers().get("Host")).isEqualTo("api.example.com:8080");
        assertThat(head.headers().names()).containsExactlyInAnyOrder("host", "X-Kept");

        HttpRequest lenient = head("GET", "/", "HTTP/1.1", "X_Real_IP", "1.2.3.4");
        RequestRules.check(lenient, true);
        assertThat(lenient.headers().get("X_Real_IP")).isEqualTo("1.2.3.4");
    }
}

package dev.wharf.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardedHeadersTest {

    private static HttpHeaders headers(String... pairs) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.add(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    @Test
    void replacesUntrustedForwardingHeaders() {
        HttpHeaders h = headers("Host", "shop.example.com", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https",
                "X-Real-IP", "6.6.6.6", "X-Forwarded-Host", "evil");
        ForwardedHeaders.forRequest(h, "10.0.0.9", "http", "80", false, false);

        assertThat(h.get("x-forwarded-for")).isEqualTo("10.0.0.9");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-port")).isEqualTo("80");
        assertThat(h.get("x-forwarded-host")).isEqualTo("shop.example.com");
        assertThat(h.get("x-real-ip")).isEqualTo("10.0.0.9");
        assertThat(h.get("host")).isEqualTo("shop.example.com");
    }

    @Test
    void appendsToTrustedOnes() {
        HttpHeaders h = headers("Host", "a", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https");
        ForwardedHeaders.forRequest(h, "10.0.0.9", "http", "80", true, false);

        assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.7, 10.0.0.9");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
    }

    @Test
    void removesHopByHopHeadersAndThoseConnectionNames() {
        HttpHeaders h = headers("Host", "a", "Connection", "keep-alive, X-Private", "X-Private", "1", "Keep-Alive", "5",
                "Proxy-Connection", "keep-alive", "TE", "gzip", "Trailer", "x", "Upgrade", "h2c",
                "Proxy-Authorization", "secret", "Transfer-Encoding", "chunked", "X-Kept", "yes");
        ForwardedHeaders.forRequest(h, "10.0.0.9", "http", "80", false, false);

        assertThat(h.names()).doesNotContain("Connection", "X-Private", "Keep-Alive", "Proxy-Connection", "TE",
                "Trailer", "Upgrade", "Proxy-Authorization");
        assertThat(h.get("transfer-encoding")).isEqualTo("chunked");
        assertThat(h.get("x-kept")).isEqualTo("yes");
    }

    @Test
    void keepsTheUpgradeOfAProtocolSwitch() {
        HttpHeaders h = headers("Host", "a", "Connection", "keep-alive, Upgrade", "Upgrade", "websocket");
        ForwardedHeaders.forRequest(h, "10.0.0.9", "https", "443", false, true);

        assertThat(h.get("connection")).isEqualTo("upgrade");
        assertThat(h.get("upgrade")).isEqualTo("websocket");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
        assertThat(h.get("x-forwarded-port")).isEqualTo("443");
    }

    @ParameterizedTest(name = "TE: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "trailers                 | trailers",
            "Trailers                 | trailers",
            "gzip, trailers           | trailers",
            "deflate;q=0.5, trailers  | trailers",
            "trailers;q=1             | trailers",
            "gzip                     | none",
            "trailersx                | none",
            "''                       | none",
    })
    void keepsTeTrailersOnlyWhenTheClientSentIt(String te, String forwarded) {
        HttpHeaders h = headers("Host", "a", "TE", te, "Connection", "TE");
        ForwardedHeaders.forRequest(h, "10.0.0.9", "http", "80", false, false);

        assertThat(h.get("te")).isEqualTo(forwarded);
        assertThat(h.contains("connection")).isFalse();
    }
}

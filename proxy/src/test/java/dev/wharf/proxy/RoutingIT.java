package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which backend a request reaches, and what the proxy answers itself. */
class RoutingIT {

    private static TestProxy proxy;
    private static TestBackend exact;
    private static TestBackend wildcard;
    private static TestBackend deepWildcard;
    private static TestBackend catchAll;
    private static TestBackend xip;

    @BeforeAll
    static void start() {
        proxy = TestProxy.start(TestRedis.url());
        exact = TestBackend.start("exact");
        wildcard = TestBackend.start("wildcard");
        deepWildcard = TestBackend.start("deep-wildcard");
        catchAll = TestBackend.start("catch-all");
        xip = TestBackend.start("xip");
        proxy.route("shop.example.com", exact.url());
        proxy.route("*.example.com", wildcard.url());
        proxy.route("*.api.example.com", deepWildcard.url());
        proxy.route("*", catchAll.url());
        proxy.route("app", xip.url());
        proxy.route("named.10.1.2.3.nip.io", exact.url());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        List.of(exact, wildcard, deepWildcard, catchAll, xip).forEach(TestBackend::close);
    }

    @ParameterizedTest(name = "Host: {0} -> {1}")
    @CsvSource({
            "shop.example.com,            exact",
            "SHOP.Example.com:80,         exact",
            "shop.example.com.,           exact",
            "blog.example.com,            wildcard",
            "a.b.example.com,             wildcard",
            "v1.api.example.com,          deep-wildcard",
            "example.org,                 catch-all",
            "app.10.1.2.3.nip.io,         xip",
            "app.10-1-2-3.sslip.io,       xip",
            "app.0a010203.xip.io,         xip",
            "named.10-1-2-3.nip.io,       exact",
            "named.0a010203.nip.io,       exact",
            "other.10.1.2.3.nip.io,       catch-all",
    })
    void followsTheLookupOrder(String host, String backend) {
        HttpResponse<String> response = proxy.get(host, "/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(backend);
    }

    @Test
    void answersHipachesPing() {
        HttpResponse<String> response = proxy.get("__ping__", "/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok\n");
    }

    @Test
    void answers404NamingAnUnknownHostAnd502ForAFrontendWithoutBackends() {
        try (TestProxy noCatchAll = TestProxy.start(TestRedis.url())) {
            HttpResponse<String> unknown = noCatchAll.get("nowhere.example.net", "/");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("nowhere.example.net");

            noCatchAll.route("empty.example.net");
            HttpResponse<String> empty = noCatchAll.get("empty.example.net", "/");
            assertThat(empty.statusCode()).isEqualTo(502);
            assertThat(empty.body()).contains("empty.example.net");

            noCatchAll.route("bad.example.net", "not a url");
            assertThat(noCatchAll.get("bad.example.net", "/").statusCode()).isEqualTo(502);
        }
    }

    @Test
    void answers400WithoutAHostOrWithAnInvalidOne() {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send("GET / HTTP/1.1\r\n\r\n").readResponse()).startsWith("HTTP/1.1 400").contains("no Host header");
        }
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: bad host!\r\n\r\n").readResponse()).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void spreadsRequestsRoundRobin() {
        try (TestBackend one = TestBackend.start("one"); TestBackend two = TestBackend.start("two")) {
            proxy.route("rr.example.net", one.url(), two.url());
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                seen.add(proxy.get("rr.example.net", "/").body());
            }
            assertThat(seen).containsExactlyInAnyOrder("one", "two");
            assertThat(one.requests()).isEqualTo(2);
            assertThat(two.requests()).isEqualTo(2);
        }
    }

    @Test
    void keepsConnectionsAliveOnBothSides() {
        try (TestBackend backend = TestBackend.start("kept")) {
            proxy.route("keepalive.example.net", backend.url());
            try (RawHttp raw = new RawHttp(proxy.port())) {
                for (int i = 0; i < 5; i++) {
                    String response = raw.send("GET / HTTP/1.1\r\nHost: keepalive.example.net\r\n\r\n").readResponse();
                    assertThat(response).startsWith("HTTP/1.1 200").endsWith("kept");
                }
            }
            assertThat(backend.requests()).isEqualTo(5);
            assertThat(backend.connections()).isEqualTo(1);
        }
    }

    @Test
    void opensAConnectionPerRequestWhenHipachesHttpKeepAliveIsOff() {
        try (TestProxy noPool = TestProxy.start(TestRedis.url(), Settings::noBackendKeepAlive);
             TestBackend backend = TestBackend.start("unpooled")) {
            noPool.route("unpooled.example.net", backend.url());
            for (int i = 0; i < 3; i++) {
                assertThat(noPool.get("unpooled.example.net", "/").body()).isEqualTo("unpooled");
            }
            assertThat(backend.connections()).isEqualTo(3);
        }
    }

    @Test
    void rewritesForwardingHeadersAndPassesHostUnchanged() {
        try (TestBackend backend = TestBackend.start("headers")) {
            proxy.route("headers.example.net", backend.url());
            try (RawHttp raw = new RawHttp(proxy.port())) {
                String response = raw.send("GET /headers HTTP/1.1\r\nHost: Headers.Example.NET:" + proxy.port() + "\r\n"
                        + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 6.6.6.6\r\n"
                        + "Connection: keep-alive, X-Secret\r\nX-Secret: hop\r\nKeep-Alive: timeout=5\r\nTE: gzip, trailers\r\n"
                        + "X-Custom: kept\r\n\r\n").readResponse();
                assertThat(response)
                        .contains("host: Headers.Example.NET:" + proxy.port())
                        .contains("x-forwarded-for: 127.0.0.1\n")
                        .contains("x-forwarded-proto: http\n")
                        .contains("x-forwarded-port: " + proxy.port() + "\n")
                        .contains("x-forwarded-host: Headers.Example.NET:" + proxy.port() + "\n")
                        .contains("x-real-ip: 127.0.0.1\n")
                        .contains("x-custom: kept")
                        .doesNotContain("x-secret")
                        .doesNotContain("keep-alive: timeout")
                        .contains("te: trailers\n") // the proxy relays trailers; the rest of TE is hop-by-hop
                        .doesNotContain("gzip")
                        .doesNotContain("6.6.6.6");
            }
        }
    }

    @Test
    void appendsToTrustedForwardingHeaders() {
        try (TestProxy trusting = TestProxy.start(TestRedis.url(), Settings::trustForwarded);
             TestBackend backend = TestBackend.start("trusting")) {
            trusting.route("trust.example.net", backend.url());
            String body = trusting.send(trusting.request("trust.example.net", "/headers")
                    .header("X-Forwarded-For", "203.0.113.7").header("X-Forwarded-Proto", "https").GET().build()).body();
            assertThat(body).contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n").contains("x-forwarded-proto: https\n");
        }
    }

    @Test
    void seesRoutesEditedByHandAtOnceWhateverTheTtl() {
        try (TestProxy longTtl = TestProxy.start(TestRedis.url(), s -> Settings.cacheTtl(s, Duration.ofMinutes(10)));
             TestProxy shortTtl = TestProxy.start(TestRedis.url(), s -> Settings.cacheTtl(s, Duration.ofMillis(300)));
             TestBackend before = TestBackend.start("before"); TestBackend after = TestBackend.start("after")) {
            for (TestProxy p : List.of(longTtl, shortTtl)) {
                p.route("edit.example.net", before.url());
                assertThat(p.get("edit.example.net", "/").body()).isEqualTo("before");
                // A hand edit without any notification, as `redis-cli lset` would do: key tracking reports it.
                p.redis().lset(p.key("frontend:edit.example.net"), 1, after.url());
            }
            Wait.untilEquals("the short-TTL proxy to see the hand edit", Duration.ofSeconds(5), "after",
                    () -> shortTtl.get("edit.example.net", "/").body());
            Wait.untilEquals("the 10-minute-TTL proxy to see the hand edit", Duration.ofSeconds(5), "after",
                    () -> longTtl.get("edit.example.net", "/").body());
        }
    }

    @Test
    void evictsXipHostsWhenTheirShortNameChanges() {
        try (TestProxy longTtl = TestProxy.start(TestRedis.url(), s -> Settings.cacheTtl(s, Duration.ofMinutes(10)));
             TestBackend before = TestBackend.start("before"); TestBackend after = TestBackend.start("after")) {
            longTtl.route("blog", before.url());
            assertThat(longTtl.get("blog.10-0-0-7.nip.io", "/").body()).isEqualTo("before");
            longTtl.route("blog", after.url());
            Wait.untilEquals("blog.10-0-0-7.nip.io to follow frontend:blog", Duration.ofSeconds(2), "after",
                    () -> longTtl.get("blog.10-0-0-7.nip.io", "/").body());
        }
    }

    @Test
    void evictsHostsResolvedThroughAWildcardWhenTheWildcardChanges() {
        try (TestProxy longTtl = TestProxy.start(TestRedis.url(), s -> Settings.cacheTtl(s, Duration.ofMinutes(10)));
             TestBackend before = TestBackend.start("before"); TestBackend after = TestBackend.start("after")) {
            longTtl.route("*.wild.example.net", before.url());
            assertThat(longTtl.get("x.wild.example.net", "/").body()).isEqualTo("before");
            longTtl.route("*.wild.example.net", after.url());
            Wait.untilEquals("x.wild.example.net to follow its wildcard", Duration.ofSeconds(2), "after",
                    () -> longTtl.get("x.wild.example.net", "/").body());
        }
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.testing.FreePort;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.route.BackendUrl;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Route options (SPEC §6) through a real proxy and Redis, written the way the agent writes them. */
class RouteOptionsIT {

    private static TestProxy proxy;
    private static final List<TestBackend> backends = new ArrayList<>();

    @BeforeAll
    static void start() {
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.adminPort(s, FreePort.find()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backends.forEach(TestBackend::close);
    }

    private static TestBackend backend(String name) {
        TestBackend backend = TestBackend.start(name);
        backends.add(backend);
        return backend;
    }

    private static void route(String host, String path, TestBackend backend, Map<String, String> options) {
        proxy.store().addBackend(host, path, host, BackendUrl.parse(backend.url()), options).toCompletableFuture().join();
    }

    private static HttpResponse<String> get(String host, String path, String... headers) {
        HttpRequest.Builder request = proxy.request(host, path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return proxy.send(request.GET().build());
    }

    @Test
    void pathsRouteByLongestPrefixOnSegmentsAndFallBackToTheWholeHost() {
        String host = TestRedis.uniqueHost("paths");
        route(host, "", backend("site"), Map.of());
        route(host, "/api", backend("api"), Map.of());
        route(host, "/api/v2", backend("api-v2"), Map.of("strip-path", "true"));

        assertThat(get(host, "/").body()).isEqualTo("site");
        assertThat(get(host, "/apix").body()).isEqualTo("site");
        assertThat(get(host, "/api").body()).isEqualTo("api");
        assertThat(get(host, "/api/users").body()).isEqualTo("api");
        assertThat(get(host, "/api/v2/x").body()).isEqualTo("api-v2");
        // Encoded or dotted forms reach the route their canonical form names, and are forwarded as matched.
        assertThat(get(host, "/%61pi/v2/headers").body()).startsWith("GET /headers HTTP/1.1");
        assertThat(get(host, "/site/../api/v2/headers?q=1").body()).startsWith("GET /headers?q=1 HTTP/1.1")
                .contains("x-forwarded-prefix: /api/v2");
        // Not stripped: the api backend sees /api/headers, not its /headers page.
        assertThat(get(host, "/api/headers").body()).isEqualTo("api");
    }

    @Test
    void pathRoutesWorkUnderWildcardAndXipHosts() {
        String parent = TestRedis.uniqueHost("wild");
        route("*." + parent, "", backend("wild-site"), Map.of());
        route("*." + parent, "/api", backend("wild-api"), Map.of("strip-path", "true"));
        assertThat(get("a." + parent, "/api/headers").body()).startsWith("GET /headers ");
        assertThat(get("b.c." + parent, "/").body()).isEqualTo("wild-site");

        String app = "xip" + Long.toHexString(System.nanoTime());
        route(app, "/api", backend("xip-api"), Map.of());
        assertThat(get(app + ".10.1.2.3.nip.io", "/api/x").body()).isEqualTo("xip-api");
        assertThat(get(app + ".10-1-2-3.sslip.io", "/other").statusCode()).isEqualTo(404);
    }

    @Test
    void aPathRoutesDeadMarksAreItsOwn() {
        String host = TestRedis.uniqueHost("pathdead");
        String closed = "http://127.0.0.1:" + FreePort.find();
        route(host, "", backend("whole"), Map.of());
        proxy.store().addBackend(host, "/api", host, BackendUrl.parse(closed), Map.of()).toCompletableFuture().join();
        route(host, "/api", backend("api-live"), Map.of());

        for (int i = 0; i < 4; i++) {
            assertThat(get(host, "/api").body()).isEqualTo("api-live"); // the refused one is retried on the live one
        }
        assertThat(proxy.redis().smembers(proxy.key("dead:" + host + "/api"))).containsExactly("0");
        assertThat(proxy.redis().exists(proxy.key("dead:" + host))).isZero(); // the whole-host route is untouched
        assertThat(get(host, "/").body()).isEqualTo("whole");
    }

    @Test
    void aHostWithOnlyPathRoutesAnswers404ElsewhereNamingThePath() {
        String host = TestRedis.uniqueHost("onlypaths");
        route(host, "/app", backend("app"), Map.of());
        HttpResponse<String> response = get(host, "/other");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("no route for host " + host + " and path /other");
        assertThat(get(host, "/app/x").body()).isEqualTo("app");
    }

    @Test
    void basicAuthAsks401WithARealmAndLetsTheRightUserIn() {
        String host = TestRedis.uniqueHost("auth");
        String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 5);
        route(host, "", backend("private"), Map.of("auth", "alice:" + hash));

        HttpResponse<String> none = get(host, "/");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"" + host + "\", charset=\"UTF-8\"");
        assertThat(get(host, "/", "Authorization", basic("alice", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get(host, "/", "Authorization", basic("mallory", "s3cret")).statusCode()).isEqualTo(401);
        assertThat(get(host, "/", "Authorization", "Basic !!!").statusCode()).isEqualTo(401);
        for (int i = 0; i < 3; i++) { // the first checks bcrypt, the next ones are remembered
            HttpResponse<String> in = get(host, "/", "Authorization", basic("alice", "s3cret"));
            assertThat(in.statusCode()).isEqualTo(200);
            assertThat(in.body()).isEqualTo("private");
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void allowListsAnswer403ToOthers() {
        String open = TestRedis.uniqueHost("allowed");
        String closed = TestRedis.uniqueHost("denied");
        route(open, "", backend("open"), Map.of("allow", "10.0.0.0/8, 127.0.0.1"));
        route(closed, "", backend("closed"), Map.of("allow", "10.0.0.0/8,2001:db8::/32"));

        assertThat(get(open, "/").body()).isEqualTo("open");
        HttpResponse<String> denied = get(closed, "/");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("client 127.0.0.1 is not allowed on " + closed);
    }

    @Test
    void redirectsAnswer308WithTheRequestPathAndQuery() {
        String www = TestRedis.uniqueHost("www");
        String secure = TestRedis.uniqueHost("secure");
        route(www, "", backend("never"), Map.of("redirect", "https://example.com/"));
        route(secure, "", backend("never-either"), Map.of("https-redirect", "true"));

        HttpResponse<String> moved = get(www, "/a/b?c=d");
        assertThat(moved.statusCode()).isEqualTo(308);
        assertThat(moved.headers().firstValue("location")).hasValue("https://example.com/a/b?c=d");
        HttpResponse<String> upgraded = get(secure, "/x?y");
        assertThat(upgraded.statusCode()).isEqualTo(308);
        assertThat(upgraded.headers().firstValue("location")).hasValue("https://" + secure + "/x?y");
    }

    @Test
    void bodiesOverTheLimitGet413WithOrWithoutALength() {
        String host = TestRedis.uniqueHost("maxbody");
        route(host, "", backend("small"), Map.of("max-body", "1k"));

        HttpResponse<String> small = proxy.send(proxy.request(host, "/count").POST(HttpRequest.BodyPublishers.ofString("x".repeat(1024))).build());
        assertThat(small.statusCode()).isEqualTo(200);
        HttpResponse<String> large = proxy.send(proxy.request(host, "/count").POST(HttpRequest.BodyPublishers.ofString("x".repeat(1025))).build());
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(large.body()).contains("request body of 1025 bytes is over the limit of 1024 bytes for " + host);

        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("POST /count HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "200\r\n" + "y".repeat(512) + "\r\n" + "200\r\n" + "y".repeat(512) + "\r\n" + "1\r\nz\r\n0\r\n\r\n");
            String response = raw.readResponse();
            assertThat(response).startsWith("HTTP/1.1 413 ").contains("over the limit of 1024 bytes");
        }
    }

    @Test
    void stickySessionsKeepAClientOnItsBackendAndMoveItWhenThatOneIsGone() {
        String host = TestRedis.uniqueHost("sticky");
        TestBackend gone = backend("s1");
        route(host, "", gone, Map.of("sticky", "srv"));
        route(host, "", backend("s2"), Map.of("sticky", "srv"));
        route(host, "", backend("s3"), Map.of("sticky", "srv"));

        HttpResponse<String> first = get(host, "/");
        String cookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(cookie).startsWith("srv=").contains("Path=/", "HTTPOnly");
        String pair = cookie.substring(0, cookie.indexOf(';'));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> again = get(host, "/", "Cookie", "theme=dark; " + pair);
            seen.add(again.body());
            assertThat(again.headers().firstValue("set-cookie")).isEmpty();
        }
        assertThat(seen).containsExactly(first.body());
        Set<String> withoutCookie = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            withoutCookie.add(get(host, "/").body());
        }
        assertThat(withoutCookie).containsExactlyInAnyOrder("s1", "s2", "s3");

        proxy.store().removeBackend(host, BackendUrl.parse(backends.stream()
                .filter(b -> b.name().equals(first.body())).findFirst().orElseThrow().url())).toCompletableFuture().join();
        Wait.until("the route to lose its backend", Duration.ofSeconds(5),
                () -> !get(host, "/", "Cookie", pair).body().equals(first.body()));
        HttpResponse<String> moved = get(host, "/", "Cookie", pair);
        assertThat(moved.body()).isNotEqualTo(first.body());
        assertThat(moved.headers().firstValue("set-cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("srv=").doesNotStartWith(pair + ";"));
    }

    @Test
    void leastConnSendsRequestsAwayFromABusyBackend() throws Exception {
        String host = TestRedis.uniqueHost("leastconn");
        route(host, "", backend("lc1"), Map.of("lb", "least-conn"));
        route(host, "", backend("lc2"), Map.of("lb", "least-conn"));

        CompletableFuture<HttpResponse<String>> slow = proxy.client().sendAsync(
                proxy.request(host, "/slow?ms=3000").GET().build(), HttpResponse.BodyHandlers.ofString());
        // Round-robin alternates between two idle backends; four in a row on one means the other is busy.
        Wait.until("the slow request to be under way", Duration.ofSeconds(5), () -> {
            Set<String> run = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                run.add(get(host, "/").body());
            }
            return run.size() == 1;
        });
        Set<String> quick = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            quick.add(get(host, "/").body());
        }
        String busy = slow.get(10, TimeUnit.SECONDS).body().substring("slow ".length());
        assertThat(quick).hasSize(1).doesNotContain(busy);
    }

    @Test
    void aRouteTimeoutAnswers504SoonerThanTheProxys() {
        String host = TestRedis.uniqueHost("timeout");
        route(host, "", backend("hangs"), Map.of("timeout", "300ms"));
        long start = System.nanoTime();
        HttpResponse<String> response = get(host, "/hang");
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5)); // the proxy's is 10 s
    }

    @Test
    void aBadHandWrittenOptionIsIgnoredAndTheRouteWorks() {
        String host = TestRedis.uniqueHost("handwritten");
        proxy.route(host, backend("hand").url());
        proxy.redis().hset(proxy.key("wharf:options:" + host), Map.of("lb", "fastest", "max-body", "10"));
        proxy.announce(host);
        Wait.until("the options to apply", Duration.ofSeconds(5),
                () -> proxy.send(proxy.request(host, "/count").POST(HttpRequest.BodyPublishers.ofString("x".repeat(11))).build()).statusCode() == 413);
        assertThat(get(host, "/").body()).isEqualTo("hand");
        assertThat(proxy.admin("/api/routes/" + host)).contains("\"max-body\" : \"10\"").doesNotContain("fastest");
    }

    @Test
    void aCachedHostCostsNoRedisRoundTripPerRequest() {
        String host = TestRedis.uniqueHost("cached");
        route(host, "/api", backend("cached"), Map.of("strip-path", "true"));
        assertThat(get(host, "/api").statusCode()).isEqualTo(200);
        proxy.redis().configResetstat();
        for (int i = 0; i < 50; i++) {
            assertThat(get(host, "/api/x").statusCode()).isEqualTo(200);
        }
        // At most the background refreshes of the 1 s cache TTL, never one per request.
        String stats = proxy.redis().info("commandstats");
        long scripts = stats.lines().filter(l -> l.startsWith("cmdstat_evalsha:") || l.startsWith("cmdstat_eval:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*calls=(\\d+).*", "$1"))).sum();
        assertThat(scripts).isLessThanOrEqualTo(5);
    }
}

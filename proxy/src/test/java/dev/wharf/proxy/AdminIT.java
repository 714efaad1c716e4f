package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.RedisServer;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin port after real traffic: health, readiness, Prometheus metrics. */
class AdminIT {

    @Test
    void countsWhatReallyHappened() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url(), s -> Settings.adminPort(s, FreePort.find()));
             TestBackend backend = TestBackend.start("metered")) {
            proxy.route("metrics.example.net", "http://127.0.0.1:" + FreePort.find(), backend.url());
            for (int i = 0; i < 3; i++) {
                assertThat(proxy.get("metrics.example.net", "/").statusCode()).isEqualTo(200);
            }
            assertThat(proxy.get("unknown.example.net", "/").statusCode()).isEqualTo(404);

            assertThat(proxy.admin("/healthz")).isEqualTo("200 ok\n");
            assertThat(proxy.admin("/readyz")).isEqualTo("200 ok\n");
            Wait.until("the route change message to be counted", Duration.ofSeconds(5),
                    () -> !proxy.admin("/metrics").contains("wharf_proxy_route_changes_total 0.0"));
            String metrics = proxy.admin("/metrics");
            assertThat(metrics)
                    .startsWith("200 ")
                    .contains("wharf_proxy_requests_total{frontend=\"metrics.example.net\",status=\"2xx\"} 3.0")
                    .contains("wharf_proxy_requests_total{frontend=\"none\",status=\"4xx\"} 1.0")
                    .contains("wharf_proxy_backend_connect_failures_total 1.0")
                    .contains("wharf_proxy_dead_marks_total 1.0")
                    .contains("wharf_proxy_route_cache_total{result=\"hit\"}")
                    .contains("wharf_proxy_request_duration_seconds_bucket")
                    .contains("wharf_proxy_request_duration_seconds_count 4")
                    .contains("wharf_proxy_connections_open")
                    .contains("wharf_proxy_backend_connections_open")
                    .contains("wharf_proxy_route_cache_size");
        }
    }

    @Test
    void listsCachedRoutesAndExplainsHowAHostResolves() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url(), s -> Settings.adminPort(s, FreePort.find()));
             TestBackend backend = TestBackend.start("listed")) {
            String dead = "http://127.0.0.1:" + FreePort.find();
            proxy.route("*.listed.example.net", dead, backend.url());
            assertThat(proxy.get("api.listed.example.net", "/").statusCode()).isEqualTo(200);

            assertThat(proxy.admin("/api/routes")).startsWith("200 ")
                    .contains("\"api.listed.example.net\"")
                    .contains("\"frontend\" : \"*.listed.example.net\"")
                    .contains("\"url\" : \"" + backend.url() + "\"");

            String explained = proxy.admin("/api/routes/API.listed.example.net:443");
            assertThat(explained).startsWith("200 ")
                    .contains("\"host\" : \"api.listed.example.net\"")
                    .contains("\"matched\" : \"*.listed.example.net\"")
                    .contains("\"rule\" : \"wildcard\"")
                    .containsPattern("\"url\" : \"" + dead + "\",\\s+\"usable\" : true,\\s+\"dead\" : true");

            assertThat(proxy.admin("/api/routes/nowhere.example.org")).startsWith("404 ").contains("\"matched\" : null")
                    .contains("nowhere.example.org (exact)", "*.example.org (wildcard)", "* (catch_all)");
            assertThat(proxy.admin("/api/routes/bad%20host")).startsWith("400 ");
        }
    }

    @Test
    void isNotReadyWithoutRedisAndWithoutCachedRoutes() {
        try (RedisServer redis = RedisServer.startOrSkip()) {
            redis.stop();
            try (TestProxy proxy = TestProxy.start(redis.url(), s -> Settings.adminPort(s, FreePort.find()))) {
                assertThat(proxy.admin("/healthz")).isEqualTo("200 ok\n");
                assertThat(proxy.admin("/readyz")).startsWith("503");
                redis.start();
                proxy.get("any.example.net", "/");
                Wait.until("readiness once Redis answers", Duration.ofSeconds(15), () -> {
                    proxy.get("any.example.net", "/");
                    return proxy.admin("/readyz").startsWith("200");
                });
            }
        }
    }
}

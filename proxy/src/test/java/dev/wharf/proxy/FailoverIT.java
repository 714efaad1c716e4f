package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.RedisServer;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backends and Redis going away: dead marks, retries, timeouts, outages. No request is left hanging. */
class FailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private TestBackend live;
    private String closed;

    @BeforeEach
    void backends() {
        live = TestBackend.start("live");
        closed = "http://127.0.0.1:" + FreePort.find();
    }

    @AfterEach
    void stop() {
        live.close();
    }

    @Test
    void failsOverFromAnUnreachableBackendAndMarksItDeadLikeHipache() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url());
             RedisClient client = RedisClient.create(TestRedis.url());
             StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub()) {
            List<String> deadMessages = new CopyOnWriteArrayList<>();
            pubSub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    deadMessages.add(message);
                }
            });
            pubSub.sync().subscribe("dead");
            proxy.route("failover.example.net", closed, live.url());

            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = proxy.get("failover.example.net", "/");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("live");
            }
            Wait.until("the dead message", WAIT, () -> !deadMessages.isEmpty()); // published with the mark, in one script
            assertThat(proxy.redis().smembers(proxy.key("dead:failover.example.net"))).containsExactly("0");
            assertThat(proxy.redis().ttl(proxy.key("dead:failover.example.net"))).isBetween(1L, 30L);
            assertThat(deadMessages.get(0)).isEqualTo("failover.example.net;" + closed + ";0;2");
        }
    }

    @Test
    void retriesARequestWithABodyOnAnotherBackend() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url())) {
            proxy.route("upload.example.net", closed, live.url());
            String body = "x".repeat(100_000);
            HttpResponse<String> response = proxy.send(proxy.request("upload.example.net", "/count")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("100000");
        }
    }

    /** Regression: one request before the app listened blacked out a lone backend for the mark's whole TTL. */
    @Test
    void triesALoneBackendMarkedDeadAnyway() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url())) {
            int port = FreePort.find();
            proxy.route("early.example.net", "http://127.0.0.1:" + port);
            assertThat(proxy.get("early.example.net", "/").statusCode()).isEqualTo(502); // not listening yet: marked
            try (TestBackend late = TestBackend.start("late", port)) {
                HttpResponse<String> response = proxy.get("early.example.net", "/");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("late");
            }
        }
    }

    /** Regression: a mark by URL outlived its container and blacked out the next one at the same address. */
    @Test
    void forgetsItsMarksOnAFrontendsBackendsWhenTheFrontendChanges() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url()); TestBackend other = TestBackend.start("other")) {
            int port = FreePort.find();
            String gone = "http://127.0.0.1:" + port;
            proxy.route("replaced.example.net", gone, other.url());
            for (int i = 0; i < 3; i++) {
                assertThat(proxy.get("replaced.example.net", "/").body()).isEqualTo("other"); // gone is marked dead here
            }
            try (TestBackend next = TestBackend.start("next", port)) {
                // What the agent writes: the old container's backend out, the new one's in (same address);
                // its scripts clear Redis's marks on every change, and every change is announced.
                proxy.route("replaced.example.net", other.url());
                proxy.redis().del(proxy.key("dead:replaced.example.net"));
                proxy.route("replaced.example.net", gone, other.url());
                // Well within the 30 s the proxy's own mark would otherwise last.
                Wait.until("the new container at the old address to get requests", Duration.ofSeconds(5),
                        () -> "next".equals(proxy.get("replaced.example.net", "/").body()));
                assertThat(next.requests()).isPositive();
            }
        }
    }

    @Test
    void honoursDeadMarksWrittenByOthers() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url()); TestBackend other = TestBackend.start("other")) {
            proxy.redis().sadd(proxy.key("dead:marked.example.net"), "0");
            proxy.route("marked.example.net", live.url(), other.url());
            proxy.redis().sadd(proxy.key("dead:marked.example.net"), "0");
            for (int i = 0; i < 4; i++) {
                assertThat(proxy.get("marked.example.net", "/").body()).isEqualTo("other");
            }
            assertThat(live.requests()).isZero();
        }
    }

    @Test
    void answers502WhenNoBackendIsReachable() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url())) {
            proxy.route("down.example.net", closed, "http://127.0.0.1:" + FreePort.find());
            HttpResponse<String> response = proxy.get("down.example.net", "/");
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(proxy.get("down.example.net", "/").statusCode()).isEqualTo(502);
        }
    }

    @Test
    void answers504WhenABackendDoesNotAnswerInTime() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url(),
                s -> Settings.timeouts(s, Duration.ofSeconds(1), Duration.ofSeconds(10)))) {
            proxy.route("hang.example.net", live.url());
            HttpResponse<String> response = proxy.get("hang.example.net", "/hang");
            assertThat(response.statusCode()).isEqualTo(504);
            // The mark is written in the background, after the 504 went out.
            Wait.untilEquals("the dead mark in Redis", WAIT, java.util.Set.of("0"),
                    () -> proxy.redis().smembers(proxy.key("dead:hang.example.net")));
        }
    }

    @Test
    void answers408ToAClientThatSendsItsHeadTooSlowlyAndClosesIdleOnes() {
        try (TestProxy proxy = TestProxy.start(TestRedis.url(),
                s -> Settings.timeouts(s, Duration.ofSeconds(10), Duration.ofSeconds(1)))) {
            try (RawHttp slow = new RawHttp(proxy.port())) {
                String response = slow.send("GET / HTTP/1.1\r\nHost: slow.example").readResponse();
                assertThat(response).startsWith("HTTP/1.1 408");
                assertThat(slow.closedByServer()).isTrue();
            }
            try (RawHttp idle = new RawHttp(proxy.port())) {
                assertThat(idle.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void keepsServingCachedRoutesWhileRedisIsDownAndRecovers() {
        try (RedisServer redis = RedisServer.startOrSkip();
             TestProxy proxy = TestProxy.start(redis.url(), s -> Settings.cacheTtl(s, Duration.ofMillis(200)));
             TestBackend next = TestBackend.start("next")) {
            proxy.route("known.example.net", live.url());
            assertThat(proxy.get("known.example.net", "/").body()).isEqualTo("live");

            redis.stop();
            for (int i = 0; i < 3; i++) {
                sleep(250);
                HttpResponse<String> cached = proxy.get("known.example.net", "/");
                assertThat(cached.statusCode()).isEqualTo(200);
                assertThat(cached.body()).isEqualTo("live");
            }
            HttpResponse<String> cold = proxy.get("unknown.example.net", "/");
            assertThat(cold.statusCode()).isEqualTo(503);

            redis.start();
            // The restarted Redis is empty; a route written now, without a message, must still be seen.
            Wait.until("the proxy to use Redis again", WAIT, () -> {
                try {
                    proxy.route("known.example.net", next.url());
                    return "next".equals(proxy.get("known.example.net", "/").body());
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
    }

    /** Regression: a frozen Redis made a cached host wait the 2 s command timeout, and an unknown one its 503. */
    @Test
    void aHungRedisDelaysNoKnownHostAndUnknownHostsFailFast() {
        try (RedisServer redis = RedisServer.startOrSkip();
             TestProxy proxy = TestProxy.start(redis.url(), s -> Settings.cacheTtl(s, Duration.ofMillis(100)))) {
            proxy.route("known.example.net", live.url());
            assertThat(proxy.get("known.example.net", "/").body()).isEqualTo("live");

            redis.pause();
            try {
                sleep(150); // past the TTL: the answer is stale now, and its refresh will hang
                for (int i = 0; i < 5; i++) {
                    long started = System.nanoTime();
                    HttpResponse<String> cached = proxy.get("known.example.net", "/");
                    assertThat(cached.body()).isEqualTo("live");
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(300));
                }
                long started = System.nanoTime();
                assertThat(proxy.get("unknown-1.example.net", "/").statusCode()).isEqualTo(503);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
            } finally {
                redis.resume();
            }
            Wait.until("unknown hosts to be looked up again", WAIT,
                    () -> proxy.get("unknown-2.example.net", "/").statusCode() == 404);
        }
    }

    @Test
    void refreshesItsCacheWhenThePubSubConnectionComesBack() {
        try (RedisServer redis = RedisServer.startOrSkip();
             TestProxy proxy = TestProxy.start(redis.url(), s -> Settings.cacheTtl(s, Duration.ofMinutes(10)));
             TestBackend next = TestBackend.start("next")) {
            proxy.route("moved.example.net", live.url());
            assertThat(proxy.get("moved.example.net", "/").body()).isEqualTo("live");

            redis.stop();
            redis.start();
            // Written while the proxy may still be reconnecting: no message reaches it.
            Wait.until("Redis to accept the write", WAIT, () -> {
                try {
                    proxy.redis().rpush(proxy.key("frontend:moved.example.net"), "moved", next.url());
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            Wait.untilEquals("the cache to be refreshed after re-subscribing", Duration.ofSeconds(40), "next",
                    () -> proxy.get("moved.example.net", "/").body());
        }
    }

    @Test
    void finishesInFlightRequestsWhenShuttingDown() throws Exception {
        TestProxy proxy = TestProxy.start(TestRedis.url());
        proxy.route("drain.example.net", live.url());
        CompletableFuture<HttpResponse<String>> inFlight = proxy.client().sendAsync(
                proxy.request("drain.example.net", "/slow?ms=1000").GET().build(), HttpResponse.BodyHandlers.ofString());
        Wait.until("the request to reach the backend", WAIT, () -> live.requests() > 0);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("slow live");
        assertThat(response.headers().firstValue("connection")).contains("close");
        closing.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", proxy.port()).close()).isInstanceOf(java.io.IOException.class);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

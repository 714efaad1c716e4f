package dev.wharf.store;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Candidate;
import dev.wharf.route.LookupRule;
import dev.wharf.route.Frontend;
import dev.wharf.route.LookupOrder;
import dev.wharf.testing.RedisServer;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteStoreIT {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final BackendUrl WEB1 = BackendUrl.parse("http://172.18.0.5:80");
    private static final BackendUrl WEB2 = BackendUrl.parse("http://172.18.0.6:80");

    private RouteStore store;
    private RedisClient rawClient;
    private StatefulRedisConnection<String, String> rawConnection;
    private RedisCommands<String, String> redis;
    private final String host = TestRedis.uniqueHost("shop");

    @BeforeEach
    void connect() {
        store = RouteStore.connect(TestRedis.url());
        rawClient = RedisClient.create(TestRedis.url());
        rawConnection = rawClient.connect();
        redis = rawConnection.sync();
    }

    @AfterEach
    void close() {
        store.close();
        rawConnection.close();
        rawClient.shutdown();
    }

    @Test
    void readsAListWrittenByHandWithRpush() throws Exception {
        redis.rpush("frontend:" + host, "my-shop", "http://10.0.0.1:80", "http://10.0.0.2:8080");
        redis.sadd("dead:" + host, "1", "not-an-index");

        Frontend frontend = read(host).orElseThrow();

        assertThat(frontend.identifier()).isEqualTo("my-shop");
        assertThat(frontend.backends()).containsExactly("http://10.0.0.1:80", "http://10.0.0.2:8080");
        assertThat(frontend.dead()).containsExactly(1);
        assertThat(frontend.isDead(0)).isFalse();
    }

    @Test
    void writesWhatAHipacheReaderExpects() throws Exception {
        assertThat(get(store.addBackend(host, "shop", WEB1))).isTrue();
        assertThat(get(store.addBackend(host, "ignored-once-created", WEB2))).isTrue();

        assertThat(redis.lrange("frontend:" + host, 0, -1))
                .containsExactly("shop", "http://172.18.0.5:80", "http://172.18.0.6:80");
    }

    @Test
    void neverDuplicatesABackend() throws Exception {
        get(store.addBackend(host, "shop", WEB1));

        assertThat(get(store.addBackend(host, "shop", WEB1))).isFalse();
        assertThat(redis.lrange("frontend:" + host, 0, -1)).containsExactly("shop", "http://172.18.0.5:80");
    }

    @Test
    void deletesTheKeyWhenTheLastBackendIsRemoved() throws Exception {
        get(store.addBackend(host, "shop", WEB1));
        get(store.addBackend(host, "shop", WEB2));

        assertThat(get(store.removeBackend(host, WEB1))).isTrue();
        assertThat(redis.lrange("frontend:" + host, 0, -1)).containsExactly("shop", "http://172.18.0.6:80");
        assertThat(get(store.removeBackend(host, WEB2))).isTrue();
        assertThat(redis.exists("frontend:" + host)).isZero();
    }

    @Test
    void removingAnAbsentBackendChangesNothing() throws Exception {
        redis.rpush("frontend:" + host, "hand-written", "http://10.0.0.1:80");
        redis.sadd("dead:" + host, "0");

        assertThat(get(store.removeBackend(host, WEB1))).isFalse();
        assertThat(get(store.removeBackend(TestRedis.uniqueHost("absent"), WEB1))).isFalse();
        assertThat(redis.lrange("frontend:" + host, 0, -1)).containsExactly("hand-written", "http://10.0.0.1:80");
        assertThat(redis.smembers("dead:" + host)).containsExactly("0");
    }

    @Test
    void everyChangeClearsTheDeadSetOfThatHostOnly() throws Exception {
        String other = TestRedis.uniqueHost("other");
        redis.sadd("dead:" + host, "0");
        redis.sadd("dead:" + other, "0");

        get(store.addBackend(host, "shop", WEB1));
        assertThat(redis.exists("dead:" + host)).isZero();
        redis.sadd("dead:" + host, "0");
        get(store.addBackend(host, "shop", WEB2));
        assertThat(redis.exists("dead:" + host)).isZero();
        redis.sadd("dead:" + host, "0");
        get(store.removeBackend(host, WEB2));
        assertThat(redis.exists("dead:" + host)).isZero();

        assertThat(redis.smembers("dead:" + other)).containsExactly("0");
    }

    @Test
    void publishesTheHostOnEveryChangeAndOnlyThen() throws Exception {
        List<String> messages = subscribe(store.keys().routesChannel());

        get(store.addBackend(host, "shop", WEB1));
        get(store.addBackend(host, "shop", WEB1));
        get(store.removeBackend(host, WEB2));
        get(store.removeBackend(host, WEB1));

        // Pub/sub keeps order, so once the second change arrived any no-op message would have arrived too.
        Wait.until("two route messages", WAIT, () -> messages.size() >= 2);
        assertThat(messages).containsExactly(host, host);
    }

    @Test
    void marksABackendDeadLikeHipache() throws Exception {
        List<String> messages = subscribe(RouteKeys.DEAD_CHANNEL);

        redis.rpush("frontend:" + host, "shop", "http://172.18.0.5:80", "http://172.18.0.6:80");
        assertThat(get(store.markDead(host, host, "http://172.18.0.6:80", 1, 2, Duration.ofSeconds(30)))).isTrue();
        assertThat(get(store.markDead(host, host, "http://172.18.0.5:80", 0, 2, Duration.ofSeconds(30)))).isTrue();

        assertThat(redis.smembers("dead:" + host)).containsExactlyInAnyOrder("0", "1");
        assertThat(redis.ttl("dead:" + host)).isBetween(1L, 30L);
        Wait.until("two dead messages", WAIT, () -> messages.size() >= 2);
        assertThat(messages).containsExactly(
                host + ";http://172.18.0.6:80;1;2",
                host + ";http://172.18.0.5:80;0;2");
    }

    /** Regression: a late mark for a removed backend landed on the index of the live one that took its place. */
    @Test
    void neverMarksTheBackendThatTookARemovedOnesIndex() throws Exception {
        List<String> messages = subscribe(RouteKeys.DEAD_CHANNEL);
        String request = "www." + host;
        redis.rpush("frontend:*." + host, "shop", WEB2.toString()); // WEB1 (index 0) was removed meanwhile

        assertThat(get(store.markDead(request, "*." + host, WEB1.toString(), 0, 2, Duration.ofSeconds(30)))).isFalse();
        assertThat(get(store.markDead(request, "*." + host, WEB2.toString(), 1, 2, Duration.ofSeconds(30)))).isFalse();
        assertThat(redis.exists("dead:" + request)).isZero();

        assertThat(get(store.markDead(request, "*." + host, WEB2.toString(), 0, 1, Duration.ofSeconds(30)))).isTrue();
        assertThat(redis.smembers("dead:" + request)).containsExactly("0");
        Wait.until("the one dead message", WAIT, () -> !messages.isEmpty());
        assertThat(messages).containsExactly(request + ";" + WEB2 + ";0;1");
    }

    @Test
    void looksUpTheFirstMatchingCandidateWithTheRequestHostsDeadMarks() throws Exception {
        String parent = TestRedis.uniqueHost("example");
        String request = "api." + parent;
        redis.rpush("frontend:*." + parent, "wildcard", "http://10.0.0.1:80", "http://10.0.0.2:80");
        redis.sadd("dead:" + request, "1");
        LookupOrder order = LookupOrder.withDefaults();

        Frontend viaWildcard = get(store.lookup(request, order.candidates(request))).routes().get(0);
        assertThat(viaWildcard.host()).isEqualTo("*." + parent);
        assertThat(viaWildcard.dead()).containsExactly(1);

        redis.rpush("frontend:" + request, "exact", "http://10.0.0.3:80");
        Frontend exact = get(store.lookup(request, order.candidates(request))).routes().get(0);
        assertThat(exact.host()).isEqualTo(request);
        assertThat(exact.identifier()).isEqualTo("exact");

        String unknown = TestRedis.uniqueHost("unknown") + ".invalid";
        assertThat(get(store.lookup(unknown, List.of(order.candidates(unknown).get(0)))).routes()).isEmpty();
        // Why not, as the agents wrote it for that host
        redis.hset("wharf:why:" + unknown, "c0ffee", "container web-1 is unhealthy");
        assertThat(get(store.lookup(unknown, order.candidates(unknown))).whyNot()).containsExactly("container web-1 is unhealthy");
        redis.hset("wharf:why:" + request, "c0ffee", "container web-2 is paused"); // a host with routes says it too
        assertThat(get(store.lookup(request, order.candidates(request))).whyNot()).containsExactly("container web-2 is paused");
    }

    @Test
    void pathRoutesAndOptionsLiveBesideHipachesKeysAndComeBackInOneLookup() throws Exception {
        get(store.addBackend(host, "http-identifier", WEB1));
        get(store.addBackend(host, "/api", host, WEB2, Map.of("strip-path", "true", "lb", "least-conn")));

        // A plain Hipache reader sees exactly what it saw before: the whole-host list, nothing more.
        assertThat(redis.lrange("frontend:" + host, 0, -1)).containsExactly("http-identifier", WEB1.toString());
        assertThat(redis.lrange("frontend:" + host + "/api", 0, -1)).containsExactly(host, WEB2.toString());
        assertThat(redis.smembers("wharf:paths:" + host)).containsExactly("/api");
        assertThat(redis.hgetall("wharf:options:" + host + "/api")).containsExactlyInAnyOrderEntriesOf(
                Map.of("strip-path", "true", "lb", "least-conn"));
        redis.sadd("dead:" + host + "/api", "0");

        List<Frontend> routes = get(store.lookup(host, List.of(new Candidate(host, LookupRule.EXACT)))).routes();
        assertThat(routes).extracting(Frontend::path).containsExactlyInAnyOrder("", "/api");
        Frontend api = routes.stream().filter(f -> f.path().equals("/api")).findFirst().orElseThrow();
        assertThat(api.options()).containsEntry("lb", "least-conn");
        assertThat(api.dead()).containsExactly(0);
        assertThat(routes.stream().filter(f -> f.path().isEmpty()).findFirst().orElseThrow().dead()).isEmpty();

        get(store.removeBackend(host, "/api", WEB2));
        assertThat(redis.exists("frontend:" + host + "/api", "wharf:options:" + host + "/api", "wharf:paths:" + host)).isZero();
        assertThat(redis.lrange("frontend:" + host, 0, -1)).containsExactly("http-identifier", WEB1.toString());
    }

    @Test
    void theFirstBackendsOptionsAreInForceAndAConflictIsReported() throws Exception {
        assertThat(get(store.addBackend(host, "", host, WEB1, Map.of("max-body", "1m")))).isEqualTo(new RouteStore.Added(true, false));
        assertThat(get(store.addBackend(host, "", host, WEB2, Map.of("max-body", "2m")))).isEqualTo(new RouteStore.Added(true, true));
        assertThat(redis.hgetall("wharf:options:" + host)).containsExactlyEntriesOf(Map.of("max-body", "1m"));
        assertThat(get(store.addBackend(host, "", host, WEB1, Map.of("max-body", "1m")))).isEqualTo(new RouteStore.Added(false, false));

        // The first backend goes: its options stay (never a route briefly without its auth) until the new first
        // backend's next write puts its own in force.
        get(store.removeBackend(host, WEB1));
        assertThat(redis.hgetall("wharf:options:" + host)).containsExactlyEntriesOf(Map.of("max-body", "1m"));
        assertThat(get(store.addBackend(host, "", host, WEB2, Map.of("max-body", "2m")))).isEqualTo(new RouteStore.Added(true, false));
        assertThat(redis.hgetall("wharf:options:" + host)).containsExactlyEntriesOf(Map.of("max-body", "2m"));
        assertThat(get(store.addBackend(host, "", host, WEB2, Map.of()))).isEqualTo(new RouteStore.Added(true, false));
        assertThat(redis.exists("wharf:options:" + host)).isZero();
    }

    @Test
    void appliesHipachesKeyPrefix() throws Exception {
        try (RouteStore prefixed = RouteStore.connect(TestRedis.url() + "#hip-")) {
            get(prefixed.addBackend(host, "shop", WEB1));
            get(prefixed.markDead(host, host, WEB1.toString(), 0, 1, Duration.ofSeconds(5)));

            assertThat(redis.lrange("hip-frontend:" + host, 0, -1)).containsExactly("shop", WEB1.toString());
            assertThat(redis.smembers("hip-dead:" + host)).containsExactly("0");
            assertThat(redis.exists("frontend:" + host)).isZero();
            assertThat(get(prefixed.read(host))).isPresent();
            assertThat(read(host)).isEmpty();
        }
    }

    @Test
    void concurrentWritersLeaveExactlyTheRightList() throws Exception {
        int writers = 8;
        int backendsEach = 40;
        BackendUrl shared = BackendUrl.http("10.9.9.9", 80);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(CompletableFuture.runAsync(() -> {
                List<CompletableFuture<Boolean>> ops = new ArrayList<>();
                for (int i = 0; i < backendsEach; i++) {
                    ops.add(store.addBackend(host, "writer-" + writer, BackendUrl.http("10.0." + writer + "." + i, 80)).toCompletableFuture());
                    ops.add(store.addBackend(host, "writer-" + writer, shared).toCompletableFuture());
                }
                for (int i = 1; i < backendsEach; i += 2) {
                    ops.add(store.removeBackend(host, BackendUrl.http("10.0." + writer + "." + i, 80)).toCompletableFuture());
                }
                ops.forEach(CompletableFuture::join);
            }, pool));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        pool.shutdown();

        List<String> list = redis.lrange("frontend:" + host, 0, -1);
        Set<String> expected = new HashSet<>(Set.of(shared.toString()));
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < backendsEach; i += 2) {
                expected.add("http://10.0." + w + "." + i + ":80");
            }
        }
        assertThat(list.get(0)).startsWith("writer-");
        assertThat(list.subList(1, list.size())).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void failsFastWhileRedisIsDownAndRecoversWhenItIsBack() throws Exception {
        try (RedisServer own = RedisServer.startOrSkip(); RouteStore ownStore = RouteStore.connect(own.url())) {
            get(ownStore.addBackend(host, "shop", WEB1));

            own.stop();
            assertThatThrownBy(() -> get(ownStore.read(host))).isInstanceOf(ExecutionException.class);

            own.start();
            Wait.until("the store to reconnect", Duration.ofSeconds(15), () -> succeeds(() -> get(ownStore.addBackend(host, "shop", WEB2))));
            assertThat(get(ownStore.read(host)).orElseThrow().backends()).containsExactly(WEB2.toString());
        }
    }

    @Test
    void startsWhileRedisIsDownAndConnectsLater() throws Exception {
        try (RedisServer own = RedisServer.startOrSkip()) {
            own.stop();
            try (RouteStore ownStore = RouteStore.connect(own.url())) {
                assertThatThrownBy(() -> get(ownStore.read(host))).isInstanceOf(ExecutionException.class);
                own.start();
                Wait.until("the store to connect", Duration.ofSeconds(15), () -> succeeds(() -> get(ownStore.read(host))));
            }
        }
    }

    @Test
    void closeDoesNotHangWhileAConnectAttemptFails() throws Exception {
        RouteStore unreachable = RouteStore.connect("redis://127.0.0.1:" + dev.wharf.testing.FreePort.find());
        assertThatThrownBy(() -> get(unreachable.read(host))).isInstanceOf(ExecutionException.class);
        unreachable.read(host);
        CompletableFuture.runAsync(unreachable::close).get(10, TimeUnit.SECONDS);
    }

    private Optional<Frontend> read(String h) throws Exception {
        return get(store.read(h));
    }

    /** Every store call must finish on its own: the bound here only turns a hang into a failure. */
    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static boolean succeeds(ThrowingRunnable action) {
        try {
            action.run();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private List<String> subscribe(String channel) {
        List<String> messages = new CopyOnWriteArrayList<>();
        StatefulRedisPubSubConnection<String, String> pubSub = rawClient.connectPubSub();
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                messages.add(message);
            }
        });
        pubSub.sync().subscribe(channel);
        return messages;
    }
}

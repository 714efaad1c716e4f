package dev.wharf.agent;

import dev.wharf.agent.docker.DockerFixture;
import dev.wharf.agent.docker.DockerLink;
import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.testing.RedisServer;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent against a real Docker engine and a real Redis. */
class AgentIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String DOCKER = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");

    private DockerFixture docker;
    private RedisClient redisClient;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final String agentId = "it-" + Long.toHexString(System.nanoTime());

    @BeforeEach
    void setUp() {
        docker = DockerFixture.connect();
        redisClient = RedisClient.create(TestRedis.url());
        connection = redisClient.connect();
        redis = connection.sync();
    }

    @AfterEach
    void tearDown() throws Exception {
        java.util.Collections.reverse(cleanup);
        for (AutoCloseable closeable : cleanup) {
            closeable.close();
        }
        if (docker != null) {
            docker.close();
        }
        if (redisClient != null) {
            connection.close();
            redisClient.shutdown();
        }
    }

    private TestAgent agent(RoutingSettings settings) {
        return track(TestAgent.start(DOCKER, TestRedis.url(), agentId, settings));
    }

    private <T extends AutoCloseable> T track(T closeable) {
        cleanup.add(closeable);
        return closeable;
    }

    private List<String> frontend(String host) {
        return redis.lrange("frontend:" + host, 0, -1);
    }

    private void awaitFrontend(String host, String... expected) {
        Wait.untilEquals("frontend:" + host, WAIT, List.of(expected), () -> frontend(host));
    }

    private void awaitBackends(String host, String... backends) {
        Wait.untilEquals("backends of frontend:" + host, WAIT, List.of(backends).stream().sorted().toList(),
                () -> {
                    List<String> list = frontend(host);
                    return list.isEmpty() ? List.<String>of() : list.subList(1, list.size()).stream().sorted().toList();
                });
    }

    private static String get(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/")).timeout(Duration.ofSeconds(5)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body().trim();
    }

    @Test
    void writesPathRoutesAndOptionsFromLabelsAndRemovesThemWithTheContainer() {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("options");
        String admin = TestRedis.uniqueHost("admin");
        var web = docker.backend("opts").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "8080")
                .label("wharf.path", "/api/").label("wharf.strip-path", "true").label("wharf.max-body", "1k")
                .label("wharf.route.admin.host", admin).label("wharf.route.admin.port", "8080")
                .label("wharf.route.admin.allow", "10.0.0.0/8");
        String id = web.start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";

        Wait.untilEquals("frontend:" + host + "/api", WAIT, List.of(host, backend), () -> redis.lrange("frontend:" + host + "/api", 0, -1));
        assertThat(redis.exists("frontend:" + host)).isZero(); // a Hipache reader sees no whole-host route
        assertThat(redis.smembers("wharf:paths:" + host)).containsExactly("/api");
        assertThat(redis.hgetall("wharf:options:" + host + "/api")).containsExactlyInAnyOrderEntriesOf(
                java.util.Map.of("strip-path", "true", "max-body", "1k"));
        awaitFrontend(admin, admin, backend);
        assertThat(redis.hgetall("wharf:options:" + admin)).containsExactlyInAnyOrderEntriesOf(
                java.util.Map.of("allow", "10.0.0.0/8", "max-body", "1k", "strip-path", "true")); // container options apply to every route

        docker.stop(id);
        Wait.until("the path route, its options and its path to go", WAIT, () -> redis.exists("frontend:" + host + "/api",
                "wharf:options:" + host + "/api", "wharf:paths:" + host, "frontend:" + admin, "wharf:options:" + admin) == 0);
    }

    @Test
    void recordsWhyAContainerIsNotRoutedAndForgetsItWhenDestroyed() throws Exception {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("why");
        var broken = docker.backend("whybad").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "abc");
        String id = broken.start();
        String name = broken.name();

        Wait.untilEquals("the public reason for " + host, WAIT, "container " + name + " has an invalid label VIRTUAL_PORT",
                () -> redis.hget("wharf:why:" + host, id));
        var status = new com.fasterxml.jackson.databind.ObjectMapper().readTree(redis.hget("wharf:status:" + agentId, id));
        assertThat(status.path("routed").asBoolean()).isFalse();
        assertThat(status.path("detail").asText()).contains("VIRTUAL_PORT='abc' is not a number"); // admin API only
        assertThat(status.path("hosts").toString()).contains(host);

        docker.pause(id);
        docker.unpause(id);
        docker.stop(id);
        Wait.untilEquals("the reason after docker stop", WAIT, "container " + name + " is not running",
                () -> redis.hget("wharf:why:" + host, id));
        docker.remove(id);
        Wait.until("status and reason to go with the container", WAIT,
                () -> redis.hget("wharf:why:" + host, id) == null && redis.hget("wharf:status:" + agentId, id) == null);
    }

    @Test
    void aRoutedContainerIsRecordedRoutedWithNoReason() {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("routedstatus");
        String id = docker.backend("routedstatus").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "8080").start();
        Wait.until("a routed status", WAIT, () -> {
            String json = redis.hget("wharf:status:" + agentId, id);
            return json != null && json.contains("\"routed\":true") && json.contains(host);
        });
        assertThat(redis.exists("wharf:why:" + host)).isZero();
    }

    @Test
    void skipsAContainerWithABadOptionNamingTheLabel() {
        TestAgent agent = agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("badoption");
        String id = docker.backend("badopt").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "8080")
                .label("wharf.auth", "alice:plaintext").start();
        Wait.until("a warning about wharf.auth", WAIT, () -> agent.reconciler().warnings().getOrDefault(id, List.of()).stream()
                .anyMatch(w -> w.contains("wharf.auth='alice:plaintext'") && w.contains("only bcrypt") && w.endsWith("not routed")));
        assertThat(redis.exists("frontend:" + host)).isZero();
    }

    @Test
    void routesARunningContainerAndRemovesTheRouteWhenItStops() throws Exception {
        TestAgent agent = agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("shop");
        var web = docker.backend("web").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "8080");
        String id = web.start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";

        awaitFrontend(host, host, backend);
        assertThat(get(backend)).isEqualTo(web.name());

        docker.stop(id);
        awaitFrontend(host);
        assertThat(redis.exists("frontend:" + host)).isZero();

        String metrics = agent.metrics().registry().scrape();
        assertThat(metrics)
                .contains("wharf_agent_route_writes_total{op=\"add\"} 1.0")
                .contains("wharf_agent_route_writes_total{op=\"remove\"} 1.0")
                .contains("wharf_agent_docker_watching 1.0")
                .contains("wharf_agent_sync_ok 1.0")
                .containsPattern("wharf_agent_reconciles_total\\{result=\"ok\"} [1-9]")
                .containsPattern("wharf_agent_docker_events_total [1-9]");
    }

    @Test
    void containersSharingAHostAreBackendsOfOneFrontend() {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("shared");
        String one = docker.backend("one").label("VIRTUAL_HOST", host).start();
        String two = docker.backend("two").env("VIRTUAL_HOST", host).start();
        String ipOne = "http://" + docker.ip(one, "bridge") + ":8080";
        String ipTwo = "http://" + docker.ip(two, "bridge") + ":8080";

        awaitBackends(host, ipOne, ipTwo);
        assertThat(frontend(host).get(0)).isEqualTo(host);

        docker.stop(one);
        awaitFrontend(host, host, ipTwo);
    }

    @Test
    void registersAContainerWithAHealthcheckOnlyOnceHealthy() {
        TestAgent agent = agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("health");
        String id = docker.backend("health").label("VIRTUAL_HOST", host).healthcheckOnReadyFile().start();

        // Health checks run every 300 ms; after several, the container is still "starting" and unrouted.
        Wait.until("a reconcile after the container started", WAIT, agent::healthy);
        agent.reconciler().converge(id);
        assertThat(frontend(host)).isEmpty();

        docker.exec(id, "touch", "/www/ready");
        awaitFrontend(host, host, "http://" + docker.ip(id, "bridge") + ":8080");

        docker.exec(id, "rm", "/www/ready");
        awaitFrontend(host);
    }

    @Test
    void aContainerRestartedByItsRestartPolicyIsRoutedAgainOnceRunningAndHealthy() {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("restart");
        String checked = TestRedis.uniqueHost("restart-checked");
        String id = docker.backend("restart").label("VIRTUAL_HOST", host).crashesOnFileAndRestarts().start();
        String withCheck = docker.backend("restart-checked").label("VIRTUAL_HOST", checked).crashesOnFileAndRestarts()
                .healthcheckOnReadyFile().start();
        docker.exec(withCheck, "touch", "/www/ready"); // stays across the restart: healthy again after one check
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";
        String checkedBackend = "http://" + docker.ip(withCheck, "bridge") + ":8080";
        awaitFrontend(host, host, backend);
        awaitFrontend(checked, checked, checkedBackend);

        docker.exec(id, "touch", "/www/crash");
        docker.exec(withCheck, "touch", "/www/crash");
        // Whether the agent sees it dead or already restarting depends on Docker's restart delay (from 100 ms):
        // either way, the route must name it again once it runs (and, for the second, is healthy again).
        // Restarted and running again: while Docker waits to restart it, a container has no address to expect.
        Wait.until("both restarted by Docker and running", WAIT,
                () -> restartedAndRunning(id) && restartedAndRunning(withCheck));
        awaitFrontend(host, host, "http://" + docker.ip(id, "bridge") + ":8080");
        awaitFrontend(checked, checked, "http://" + docker.ip(withCheck, "bridge") + ":8080");
    }

    private boolean restartedAndRunning(String id) {
        return docker.restartCount(id) > 0 && docker.running(id) && !docker.ip(id, "bridge").isEmpty();
    }

    @Test
    void removesAPausedContainerAndRestoresItWhenUnpaused() {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("pause");
        String id = docker.backend("pause").label("VIRTUAL_HOST", host).start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";
        awaitFrontend(host, host, backend);

        docker.pause(id);
        awaitFrontend(host);
        docker.unpause(id);
        awaitFrontend(host, host, backend);
    }

    @Test
    void choosesTheIpOnTheProxyNetworkOrOnVirtualNetwork() {
        String front = docker.createNetwork("wharf-it-front-" + Long.toHexString(System.nanoTime()));
        String back = docker.createNetwork("wharf-it-back-" + Long.toHexString(System.nanoTime()));
        agent(new RoutingSettings(Optional.of(front), List.of(), Optional.empty()));
        String viaFlag = TestRedis.uniqueHost("viaflag");
        String viaLabel = TestRedis.uniqueHost("vialabel");
        // "back" sorts before "front": without --network the first by name would be picked.
        String one = docker.backend("twonets").label("VIRTUAL_HOST", viaFlag).network(back, front).start();
        String two = docker.backend("labelled").label("VIRTUAL_HOST", viaLabel).label("VIRTUAL_NETWORK", back)
                .network(front, back).start();

        awaitFrontend(viaFlag, viaFlag, "http://" + docker.ip(one, front) + ":8080");
        awaitFrontend(viaLabel, viaLabel, "http://" + docker.ip(two, back) + ":8080");
    }

    @Test
    void publishedModeRoutesToTheAdvertisedIpAndHostPort() throws Exception {
        agent(new RoutingSettings(Optional.empty(), List.of(), Optional.of("127.0.0.1")));
        String host = TestRedis.uniqueHost("published");
        var web = docker.backend("published").label("VIRTUAL_HOST", host).label("VIRTUAL_PORT", "8080").published();
        String id = web.start();
        String backend = "http://127.0.0.1:" + docker.hostPort(id, 8080);

        awaitFrontend(host, host, backend);
        assertThat(get(backend)).isEqualTo(web.name());
    }

    @Test
    void removesWhatAnAgentGoneForGoodLeftBehindWithStaleAgent() {
        String ghost = "ghost-" + Long.toHexString(System.nanoTime());
        String host = TestRedis.uniqueHost("ghost");
        redis.rpush("frontend:" + host, host, "http://10.2.2.2:80", "http://10.2.2.3:80"); // the second by hand
        redis.hset("wharf:agent:" + ghost, "c0ffee", "{\"container\":\"old-web\",\"routes\":[{\"host\":\"" + host
                + "\",\"path\":\"\",\"backend\":\"http://10.2.2.2:80\"}],\"updated\":\"2026-01-01T00:00:00Z\"}");
        redis.hset("wharf:status:" + ghost, "dead0", "{\"container\":\"old-api\",\"routed\":false,\"why\":\"is not running\","
                + "\"hosts\":[\"" + host + "\"],\"routes\":[],\"updated\":\"2026-01-01T00:00:00Z\"}");
        redis.hset("wharf:why:" + host, "dead0", "container old-api is not running");
        redis.zadd("wharf:agents", Instant.now().minusSeconds(3600).getEpochSecond(), ghost);

        track(TestAgent.start(AgentSettings.of(DOCKER, TestRedis.url(), agentId).withResync(Duration.ofSeconds(1))
                .withStaleAgent(Duration.ofSeconds(2))));
        awaitFrontend(host, host, "http://10.2.2.3:80");
        Wait.until("the ghost's record, statuses and heartbeat gone", WAIT, () -> redis.exists("wharf:agent:" + ghost,
                "wharf:status:" + ghost) == 0 && redis.zscore("wharf:agents", ghost) == null);
        assertThat(redis.hexists("wharf:why:" + host, "dead0")).isFalse();
        assertThat(redis.zscore("wharf:agents", agentId)).as("this agent's own heartbeat").isNotNull();
    }

    @Test
    void expandsShortNamesUnderConfiguredDomains() {
        agent(new RoutingSettings(Optional.empty(), List.of("example.test"), Optional.empty()));
        String name = "blog" + Long.toHexString(System.nanoTime());
        String id = docker.backend("blog").label("VIRTUAL_HOST", name).start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";

        awaitFrontend(name, name, backend);
        awaitFrontend(name + ".example.test", name + ".example.test", backend);
    }

    @Test
    void routesContainersThatRanBeforeTheAgentStarted() {
        String host = TestRedis.uniqueHost("early");
        String id = docker.backend("early").label("VIRTUAL_HOST", host).start();

        agent(RoutingSettings.defaults());
        awaitFrontend(host, host, "http://" + docker.ip(id, "bridge") + ":8080");
    }

    @Test
    void removesWhatWentStaleWhileItWasDownAndNothingItDidNotWrite() {
        String host = TestRedis.uniqueHost("stale");
        String handWritten = TestRedis.uniqueHost("by-hand");
        redis.rpush("frontend:" + handWritten, "by-hand", "http://10.1.1.1:80");
        String id = docker.backend("stale").label("VIRTUAL_HOST", host).start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";

        TestAgent first = agent(RoutingSettings.defaults());
        awaitFrontend(host, host, backend);
        first.stop(false);
        assertThat(frontend(host)).containsExactly(host, backend);

        // While no agent runs: the container stops, someone adds a backend by hand, another agent routes it too.
        docker.stop(id);
        redis.rpush("frontend:" + host, "http://10.2.2.2:80");
        String otherAgent = "other-" + agentId;
        try (TestAgent other = TestAgent.start(DOCKER, TestRedis.url(), otherAgent, RoutingSettings.defaults())) {
            other.stop(false);
        }
        redis.rpush("frontend:" + host, "http://10.3.3.3:80");
        redis.hset("wharf:agent:" + otherAgent, "c0ffee", "{\"container\":\"elsewhere\",\"routes\":[{\"host\":\""
                + host + "\",\"backend\":\"http://10.3.3.3:80\"}],\"updated\":\"2026-01-01T00:00:00Z\"}");

        agent(RoutingSettings.defaults());
        awaitFrontend(host, host, "http://10.2.2.2:80", "http://10.3.3.3:80");
        assertThat(frontend(handWritten)).containsExactly("by-hand", "http://10.1.1.1:80");
        // The record shrinks after the route is removed (a crash in between must not orphan a route).
        Wait.until("the stale record to go", WAIT, () -> !redis.hexists("wharf:agent:" + agentId, id));
        assertThat(redis.hexists("wharf:agent:" + otherAgent, "c0ffee")).isTrue();
        redis.del("wharf:agent:" + otherAgent);
    }

    @Test
    void leavesRoutesInPlaceOnStopAndRemovesOnlyItsOwnWhenDeregistering() {
        String host = TestRedis.uniqueHost("deregister");
        String id = docker.backend("deregister").label("VIRTUAL_HOST", host).start();
        String backend = "http://" + docker.ip(id, "bridge") + ":8080";
        TestAgent first = agent(RoutingSettings.defaults());
        awaitFrontend(host, host, backend);
        first.stop(false);
        assertThat(frontend(host)).containsExactly(host, backend);

        TestAgent second = agent(RoutingSettings.defaults());
        redis.rpush("frontend:" + host, "http://10.4.4.4:80");
        second.stop(true);
        assertThat(frontend(host)).containsExactly(host, "http://10.4.4.4:80");
        assertThat(redis.exists("wharf:agent:" + agentId)).isZero();
    }

    @Test
    void skipsContainersWithBadLabelsWithAWarningAndKeepsWorking() {
        TestAgent agent = agent(RoutingSettings.defaults());
        String badHost = docker.backend("badhost").label("VIRTUAL_HOST", "bad host!").start();
        String badPort = docker.backend("badport").label("VIRTUAL_HOST", TestRedis.uniqueHost("badport"))
                .label("VIRTUAL_PORT", "abc").start();
        String notExposed = docker.backend("notexposed").label("VIRTUAL_HOST", TestRedis.uniqueHost("notexposed"))
                .label("VIRTUAL_PORT", "9999").start();
        String host = TestRedis.uniqueHost("good");
        String good = docker.backend("good").label("VIRTUAL_HOST", host).start();

        awaitFrontend(host, host, "http://" + docker.ip(good, "bridge") + ":8080");
        Wait.until("three warnings", WAIT, () -> agent.reconciler().warnings().keySet().containsAll(List.of(badHost, badPort, notExposed)));
        assertThat(agent.reconciler().warnings().get(badHost)).singleElement().asString().contains("VIRTUAL_HOST='bad host!'", "not routed");
        assertThat(agent.reconciler().warnings().get(badPort)).singleElement().asString().contains("VIRTUAL_PORT='abc' is not a number");
        assertThat(agent.reconciler().warnings().get(notExposed)).singleElement().asString().contains("VIRTUAL_PORT='9999' is not an exposed port");
        assertThat(redis.hexists("wharf:agent:" + agentId, badPort)).isFalse();
    }

    @Test
    void reconnectsWhenTheDockerEngineGoesAwayAndComesBack() {
        DockerLink link = track(DockerLink.open());
        TestAgent agent = track(TestAgent.start(link.dockerHost(), TestRedis.url(), agentId, RoutingSettings.defaults()));
        Wait.until("the agent to watch events", WAIT, agent::healthy);

        link.cut();
        Wait.until("the agent to notice", WAIT, () -> !agent.healthy());
        String host = TestRedis.uniqueHost("afterreconnect");
        String id = docker.backend("meanwhile").label("VIRTUAL_HOST", host).start();
        link.restore();

        awaitFrontend(host, host, "http://" + docker.ip(id, "bridge") + ":8080");
        Wait.until("the agent to watch events again", WAIT, agent::healthy);
        String later = TestRedis.uniqueHost("later");
        String laterId = docker.backend("later").label("VIRTUAL_HOST", later).start();
        awaitFrontend(later, later, "http://" + docker.ip(laterId, "bridge") + ":8080");
    }

    @Test
    void appliesTheCurrentStateWhenRedisComesBack() {
        RedisServer own = track(RedisServer.startOrSkip());
        TestAgent agent = track(TestAgent.start(DOCKER, own.url(), agentId, RoutingSettings.defaults()));
        Wait.until("the agent to watch events", WAIT, agent::healthy);

        own.stop();
        String host = TestRedis.uniqueHost("redisdown");
        String id = docker.backend("redisdown").label("VIRTUAL_HOST", host).start();
        Wait.until("the agent to report the failed sync", WAIT, () -> !agent.healthy());
        own.start();

        try (RedisClient client = RedisClient.create(own.url());
             StatefulRedisConnection<String, String> ownConnection = client.connect()) {
            Wait.untilEquals("frontend:" + host + " in the restarted Redis", WAIT,
                    List.of(host, "http://" + docker.ip(id, "bridge") + ":8080"),
                    () -> ownConnection.sync().lrange("frontend:" + host, 0, -1));
        }
        Wait.until("the agent to be healthy again", WAIT, agent::healthy);
    }

    /** Regression: the reconcile after a restart removed B's live route while converging gone A's record. */
    @Test
    void keepsTheRouteOfANewContainerThatReusesAGoneContainersAddress() {
        String network = docker.createNetwork("reuse-" + Long.toHexString(System.nanoTime()));
        String host = TestRedis.uniqueHost("roll");
        String a = docker.backend("roll-a").label("VIRTUAL_HOST", host).network(network).start();
        String backend = "http://" + docker.ip(a, network) + ":8080";
        TestAgent first = agent(RoutingSettings.defaults());
        awaitFrontend(host, host, backend);
        first.stop(false);

        // While no agent runs, A goes and B takes its place, and its address (Docker hands out the lowest free one).
        docker.remove(a);
        String b = docker.backend("roll-b").label("VIRTUAL_HOST", host).network(network).start();
        assertThat("http://" + docker.ip(b, network) + ":8080").as("B reuses A's address").isEqualTo(backend);

        agent(RoutingSettings.defaults());
        // A's destroy event (replayed at start) and the reconcile that records B may land in either order.
        Wait.until("A's record to go and B's to be written", WAIT,
                () -> !redis.hexists("wharf:agent:" + agentId, a) && redis.hexists("wharf:agent:" + agentId, b));
        assertThat(frontend(host)).containsExactly(host, backend);
    }

    /** Regression: a Redis that came back empty was noticed only at the next resync (up to a minute). */
    @Test
    void rewritesEverythingWithinSecondsWhenRedisComesBackEmpty() {
        RedisServer own = track(RedisServer.startOrSkip());
        String host = TestRedis.uniqueHost("empty");
        String id = docker.backend("empty").label("VIRTUAL_HOST", host).start();
        List<String> route = List.of(host, "http://" + docker.ip(id, "bridge") + ":8080");
        // The agent replays the last seconds of events when it starts; none of them may rewrite the route for it.
        long started = System.nanoTime();
        Wait.until("the container's events to be older than the agent's replay", WAIT,
                () -> System.nanoTime() - started > TimeUnit.SECONDS.toNanos(4));
        TestAgent agent = track(TestAgent.start(DOCKER, own.url(), agentId, RoutingSettings.defaults(), Duration.ofHours(1)));
        try (RedisClient client = RedisClient.create(own.url());
             StatefulRedisConnection<String, String> ownConnection = client.connect()) {
            RedisCommands<String, String> ownRedis = ownConnection.sync();
            Wait.untilEquals("frontend:" + host, WAIT, route, () -> ownRedis.lrange("frontend:" + host, 0, -1));

            ownRedis.flushall(); // the same Redis process, emptied: no reconnect to notice
            Wait.untilEquals("frontend:" + host + " after FLUSHALL", Duration.ofSeconds(5), route,
                    () -> ownRedis.lrange("frontend:" + host, 0, -1));

            own.stop();
            own.start(); // no persistence: empty, and the agent had nothing to write meanwhile
            Wait.untilEquals("frontend:" + host + " in the restarted Redis", Duration.ofSeconds(5), route,
                    () -> ownRedis.lrange("frontend:" + host, 0, -1));
        }
        Wait.until("the agent to be healthy", WAIT, agent::healthy);
    }

    /**
     * A stopping container leaves its routes at the SIGTERM, while it still serves, not at its exit — unless it
     * is the last backend of a host: then it serves while it drains and leaves when it exits.
     */
    @Test
    void takesAStoppingContainerOutOfItsRoutesBeforeItExitsUnlessItIsTheLastOne() throws Exception {
        agent(RoutingSettings.defaults());
        String host = TestRedis.uniqueHost("draining");
        String old = docker.backend("old").label("VIRTUAL_HOST", host).drainsOnStop(4).start();
        String next = docker.backend("next").label("VIRTUAL_HOST", host).drainsOnStop(4).start();
        String oldBackend = "http://" + docker.ip(old, "bridge") + ":8080";
        String nextBackend = "http://" + docker.ip(next, "bridge") + ":8080";
        awaitBackends(host, oldBackend, nextBackend);

        Thread stopOld = new Thread(() -> docker.stopGracefully(old));
        stopOld.start();
        awaitBackends(host, nextBackend);
        assertThat(docker.running(old)).as("still running (and serving) when its route went").isTrue();
        stopOld.join(TimeUnit.SECONDS.toMillis(20));

        Thread stopLast = new Thread(() -> docker.stopGracefully(next));
        stopLast.start();
        while (docker.running(next)) { // draining for 4 s: its route must stay all that time
            assertThat(frontend(host)).as("the last backend while it drains").containsExactly(host, nextBackend);
            Thread.sleep(200);
        }
        awaitFrontend(host);
        stopLast.join(TimeUnit.SECONDS.toMillis(20));
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.RedisServer;
import dev.wharf.testing.Wait;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out reads on real Redis processes: lookups on a replica ({@code --redis-read-url}) with writes on the
 * master, and hand edits (which publish nothing) seen at once through key tracking, not after the cache TTL,
 * which is a minute here so that only tracking can explain a change seen within seconds.
 */
class ReplicaIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Far longer than any wait below: a change seen in time was reported, not expired. */
    private static final Duration LONG_TTL = Duration.ofSeconds(60);

    private RedisServer master;
    private TestBackend blue;
    private TestBackend green;

    @BeforeEach
    void start() {
        master = RedisServer.startOrSkip();
        blue = TestBackend.start("blue");
        green = TestBackend.start("green");
    }

    @AfterEach
    void stop() {
        blue.close();
        green.close();
        master.close();
    }

    @Test
    void seesHandEditsAtOnceAndAgainAfterRedisRestarts() {
        try (TestProxy proxy = TestProxy.start(master.url(),
                s -> Settings.adminPort(Settings.cacheTtl(s, LONG_TTL), FreePort.find()))) {
            Wait.until("key tracking on", WAIT, () -> metric(proxy, "wharf_proxy_redis_tracking") == 1);
            assertThat(proxy.get("edit.example.net", "/").statusCode()).isEqualTo(404); // cached: no route

            RedisCommands<String, String> redis = proxy.redis();
            redis.rpush(proxy.key("frontend:edit.example.net"), "edit", blue.url()); // no PUBLISH, as redis-cli
            Wait.until("the hand-written route served", WAIT, () -> body(proxy, "edit.example.net").equals("blue"));

            redis.lset(proxy.key("frontend:edit.example.net"), 1, green.url());
            Wait.until("the hand-edited backend served", WAIT, () -> body(proxy, "edit.example.net").equals("green"));

            master.stop();
            master.start(); // empty, as Redis without persistence comes back
            Wait.until("key tracking on again", WAIT, () -> metric(proxy, "wharf_proxy_redis_tracking") == 1);
            redis.rpush(proxy.key("frontend:edit.example.net"), "edit", blue.url());
            Wait.until("a hand edit after the restart", WAIT, () -> body(proxy, "edit.example.net").equals("blue"));

            redis.del(proxy.key("frontend:edit.example.net"));
            Wait.until("the deleted route gone", WAIT, () -> proxy.get("edit.example.net", "/").statusCode() == 404);
        }
    }

    @Test
    void looksUpOnTheReplicaWritesToTheMasterAndFallsBackWhileTheReplicaIsAway() {
        try (RedisServer replica = RedisServer.replicaOf(master);
             RedisClient replicaClient = RedisClient.create(replica.url());
             StatefulRedisConnection<String, String> onReplica = replicaClient.connect();
             TestProxy proxy = TestProxy.start(master.url(), readsFrom(replica))) {
            Wait.until("the replica in sync", WAIT, () -> onReplica.sync().info("replication").contains("master_link_status:up"));
            String closed = "http://127.0.0.1:" + FreePort.find();
            proxy.route("split.example.net", closed, blue.url());

            // written on the master: served once the replica has it (a request before that is answered 404)
            Wait.until("the route seen via the replica", WAIT, () -> body(proxy, "split.example.net").equals("blue"));
            // the dead mark of the closed backend is written on the master, which never ran a lookup
            Wait.until("the dead mark on the master", WAIT,
                    () -> proxy.redis().smembers(proxy.key("dead:split.example.net")).contains("0"));
            String lookup = scriptSha("/dev/wharf/store/lookup.lua");
            assertThat(onReplica.sync().scriptExists(lookup)).containsExactly(true);
            assertThat(proxy.redis().scriptExists(lookup)).containsExactly(false);

            // a hand edit on the master reaches the proxy through the replica's tracking
            proxy.redis().rpush(proxy.key("frontend:hand.example.net"), "hand", green.url());
            Wait.until("the hand edit seen via the replica", WAIT, () -> body(proxy, "hand.example.net").equals("green"));

            replica.stop();
            proxy.route("away.example.net", green.url());
            assertThat(body(proxy, "away.example.net")).isEqualTo("green"); // looked up on the master
            assertThat(body(proxy, "split.example.net")).isEqualTo("blue"); // cached

            replica.start();
            Wait.until("key tracking on the replica again", WAIT, () -> metric(proxy, "wharf_proxy_redis_tracking") == 1);
            proxy.redis().lset(proxy.key("frontend:hand.example.net"), 1, blue.url());
            Wait.until("a hand edit seen via the replica again", WAIT, () -> body(proxy, "hand.example.net").equals("blue"));
        }
    }

    private static UnaryOperator<dev.wharf.proxy.config.ProxySettings> readsFrom(RedisServer replica) {
        return s -> Settings.adminPort(Settings.redisReadUrl(Settings.cacheTtl(s, LONG_TTL), replica.url()), FreePort.find());
    }

    /** The SHA-1 under which Redis caches a script it ran with EVAL. */
    private static String scriptSha(String resource) {
        try (InputStream in = ReplicaIT.class.getResourceAsStream(resource)) {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(in.readAllBytes());
            return HexFormat.of().formatHex(digest);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String body(TestProxy proxy, String host) {
        return proxy.get(host, "/").body();
    }

    private static double metric(TestProxy proxy, String name) {
        for (String line : proxy.admin("/metrics").split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dead marks end when the backend answers again, not at their TTL (30 s here): one proxy at a time probes it,
 * with planb's {@code healthcheck:<host>} where set.
 */
class BackendProbeIT {

    private static final Duration WAIT = Duration.ofSeconds(8);
    private static final Pattern PROBES = Pattern.compile("wharf_proxy_probes_total\\{result=\"(alive|dead)\"} (\\d+)");

    @Test
    void aBackendMarkedDeadIsBackAsSoonAsItAcceptsConnections() {
        int port = FreePort.find();
        String host = TestRedis.uniqueHost("revive");
        try (TestProxy proxy = TestProxy.start(TestRedis.url(), s -> Settings.adminPort(s, FreePort.find()));
             TestBackend live = TestBackend.start("live")) {
            proxy.route(host, "http://127.0.0.1:" + port, live.url());
            Wait.until("a request to meet the closed port and mark it", WAIT, () -> {
                assertThat(proxy.get(host, "/").body()).isEqualTo("live"); // retried on the live one
                return proxy.redis().smembers(proxy.key("dead:" + host)).contains("0");
            });

            try (TestBackend revived = TestBackend.start("revived", port)) {
                Wait.until("the mark to go well before its 30 s TTL", WAIT,
                        () -> proxy.redis().smembers(proxy.key("dead:" + host)).isEmpty());
                Set<String> answers = new HashSet<>();
                Wait.until("requests to reach the revived backend", WAIT, () -> {
                    answers.add(proxy.get(host, "/").body());
                    return answers.contains("revived");
                });
                assertThat(probes(proxy, "alive")).isPositive();
            }
        }
    }

    @Test
    void planbsHealthcheckKeepsAnUnhealthyBackendMarkedUntilItPasses() {
        String host = TestRedis.uniqueHost("hc");
        try (TestProxy proxy = TestProxy.start(TestRedis.url());
             TestBackend sick = TestBackend.start("sick");
             TestBackend other = TestBackend.start("other")) {
            proxy.route(host, sick.url(), other.url());
            proxy.redis().hset(proxy.key("healthcheck:" + host), Map.of("path", "/status?code=503", "status", "200"));
            markDead(proxy, host, sick.url());

            Wait.until("the probe to renew the mark while the check fails", WAIT,
                    () -> proxy.redis().ttl(proxy.key("dead:" + host)) > 20 && probesSeen(proxy, host, sick.url()));
            assertThat(proxy.redis().smembers(proxy.key("dead:" + host))).containsExactly("0");
            for (int i = 0; i < 4; i++) {
                assertThat(proxy.get(host, "/").body()).isEqualTo("other");
            }

            proxy.redis().hset(proxy.key("healthcheck:" + host), Map.of("path", "/", "status", "200", "body", "sick"));
            Wait.until("the mark to go once the check passes", WAIT, () -> proxy.redis().smembers(proxy.key("dead:" + host)).isEmpty());
        }
    }

    @Test
    void oneProxyAtATimeProbesABackend() {
        String host = TestRedis.uniqueHost("lock");
        String down = "http://127.0.0.1:" + FreePort.find();
        try (TestProxy first = TestProxy.start(TestRedis.url(), s -> Settings.adminPort(s, FreePort.find()));
             TestProxy second = TestProxy.beside(first, s -> Settings.adminPort(s, FreePort.find()))) {
            first.route(host, down, "http://127.0.0.1:" + FreePort.find());
            markDead(first, host, down); // both proxies hear it

            Wait.until("three probe rounds", WAIT, () -> probes(first, "dead") + probes(second, "dead") >= 3);
            assertThat(List.of(probes(first, "dead"), probes(second, "dead"))).as("probes by each proxy").containsOnlyOnce(0L);
            assertThat(first.redis().ttl(first.key("dead:" + host))).as("the mark renewed while it stays down").isGreaterThan(20);
        }
    }

    /**
     * As Hipache marks a backend: the index in the dead set, and the message every proxy hears. With a TTL of
     * 10 s, so that a TTL above that shows the probe renewed it (with the proxy's 30 s).
     */
    private static void markDead(TestProxy proxy, String host, String url) {
        proxy.redis().sadd(proxy.key("dead:" + host), "0");
        proxy.redis().expire(proxy.key("dead:" + host), 10);
        proxy.redis().publish("dead", host + ";" + url + ";0;2");
    }

    private static boolean probesSeen(TestProxy proxy, String host, String url) {
        return proxy.redis().exists(proxy.key("dead:" + host + ":" + url)) == 1;
    }

    private static long probes(TestProxy proxy, String result) {
        Matcher m = PROBES.matcher(proxy.admin("/metrics"));
        long count = 0;
        while (m.find()) {
            if (m.group(1).equals(result)) {
                count += Long.parseLong(m.group(2).replaceAll("\\..*", ""));
            }
        }
        return count;
    }
}

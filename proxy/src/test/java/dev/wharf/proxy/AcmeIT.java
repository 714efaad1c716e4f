package dev.wharf.proxy;

import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestPebble;
import dev.wharf.proxy.support.TestPki;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.proxy.support.TlsClient;
import dev.wharf.route.BackendUrl;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic HTTPS against pebble, Let's Encrypt's test CA, on real parts: the CA resolves names with one proxy's
 * DNS listener and checks HTTP-01 on that proxy, which does not order — another proxy on the same Redis does.
 * Ordered: the last tests restart the CA, which then signs with a new root.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcmeIT {

    private static final String ZONE = "wharf-ci.net";
    private static final Duration ISSUED = Duration.ofSeconds(90);
    private static final AtomicInteger hosts = new AtomicInteger();

    @TempDir
    static Path pebbleDir;

    /** What the CA reaches (HTTP-01, DNS); automatic HTTPS is off here. */
    private static TestProxy reached;
    /** Automatic HTTPS on; the CA never connects to it. */
    private static TestProxy ordering;
    private static TestPebble pebble;
    private static TestBackend backend;

    @BeforeAll
    static void start() {
        reached = TestProxy.start(TestRedis.url(), s -> Settings.dns(Settings.https(s, FreePort.find(), null), "127.0.0.1", ZONE));
        pebble = TestPebble.start(pebbleDir, reached.port(), reached.httpsPort(), reached.dnsPort(), 0,
                List.of("blocked." + ZONE));
        ordering = TestProxy.beside(reached, AcmeIT::withAcme);
        backend = TestBackend.start("acme-backend");
    }

    private static dev.wharf.proxy.config.ProxySettings withAcme(dev.wharf.proxy.config.ProxySettings s) {
        return Settings.acme(Settings.https(Settings.adminPort(s, FreePort.find()), FreePort.find(), null),
                pebble.directory(), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable part : new AutoCloseable[] {ordering, reached, pebble, backend}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception ignored) {
                // the others still close
            }
        }
    }

    @Test
    @Order(1)
    void aRoutedHostGetsATrustedCertificateOnEveryProxy() throws Exception {
        String host = newHost("shop");
        double before = orders(ordering, "issued");
        ordering.route(host, backend.url());
        awaitCertificate(host);
        SSLContext trustingPebble = pebble.clientContext();
        for (TestProxy proxy : List.of(ordering, reached)) {
            // Chain to pebble's root and the name checked, as a browser does.
            Wait.until("a certificate for " + host + " trusted by pebble's root on port " + proxy.httpsPort(), ISSUED,
                    () -> servesTrusted(proxy, host, trustingPebble));
            try (SSLSocket socket = TlsClient.handshake(trustingPebble, proxy.httpsPort(), host, "TLSv1.3", true)) {
                assertThat(TlsClient.exchange(socket, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"))
                        .startsWith("HTTP/1.1 200").endsWith("acme-backend");
            }
        }
        Map<String, String> stored = ordering.redis().hgetall(ordering.key("tls:" + host));
        assertThat(stored.get("certificate")).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(stored.get("key")).contains("PRIVATE KEY-----");
        assertThat(stored.get("wharf-acme")).isEqualTo(pebble.directory());
        assertThat(ordering.redis().hget(ordering.key("wharf:acme:account"), "url")).startsWith("https://localhost:");
        assertThat(orders(ordering, "issued") - before).isEqualTo(1);
        assertThat(ordering.redis().keys(ordering.key("wharf:acme:challenge:*"))).as("challenges cleaned up").isEmpty();
    }

    @Test
    @Order(2)
    void twoOrderingProxiesOrderOnce() throws Exception {
        try (TestProxy second = TestProxy.beside(reached, AcmeIT::withAcme)) {
            String host = newHost("once");
            double before = orders(ordering, "issued") + orders(second, "issued");
            ordering.route(host, backend.url()); // both hear of the route at once
            awaitCertificate(host);
            // Both looked at the host; the one without the lock waits for the certificate to be announced.
            Wait.until("the second proxy to serve it", ISSUED, () -> servesTrusted(second, host, pebble.clientContext()));
            assertThat(orders(ordering, "issued") + orders(second, "issued") - before).isEqualTo(1);
        }
    }

    @Test
    @Order(3)
    void aCertificateWrittenByHandIsServedAndNeverReplaced(@TempDir Path dir) throws Exception {
        String host = newHost("hand");
        TestPki pki = new TestPki();
        pki.issue(dir, "hand", "planb-hand", Duration.ofDays(10), "EC", host);
        ordering.redis().hset(ordering.key("tls:" + host), Map.of(
                "certificate", Files.readString(dir.resolve("hand.crt")), "key", Files.readString(dir.resolve("hand.key"))));
        double looks = metric(ordering, "wharf_proxy_acme_looks_total");
        ordering.route(host, backend.url());
        Wait.until("automatic HTTPS to look at " + host, ISSUED, () -> metric(ordering, "wharf_proxy_acme_looks_total") > looks);
        assertThat(commonName(ordering, host)).isEqualTo("CN=planb-hand");
        assertThat(ordering.redis().hget(ordering.key("tls:" + host), "wharf-acme")).isNull();

        String bad = newHost("bad");
        ordering.redis().hset(ordering.key("tls:" + bad), Map.of("certificate", "not a certificate", "key", "nor a key"));
        assertThat(commonName(ordering, bad)).as("the default certificate").contains("Wharf default certificate");
    }

    @Test
    @Order(4)
    void aRouteWithTlsDefaultGetsTheDefaultCertificateWhateverRedisHolds(@TempDir Path dir) throws Exception {
        String host = newHost("forced");
        new TestPki().issue(dir, "forced", "in-redis", Duration.ofDays(10), "RSA", host);
        ordering.redis().hset(ordering.key("tls:" + host), Map.of(
                "certificate", Files.readString(dir.resolve("forced.crt")), "key", Files.readString(dir.resolve("forced.key"))));
        ordering.store().addBackend(host, "", host, BackendUrl.parse(backend.url()), Map.of("tls", "default"))
                .toCompletableFuture().join();
        Wait.untilEquals("the default certificate for " + host, ISSUED, "default",
                () -> quietly(() -> commonName(ordering, host).contains("Wharf default certificate") ? "default" : "other"));
        String plain = newHost("plain");
        ordering.redis().rename(ordering.key("tls:" + host), ordering.key("tls:" + plain));
        ordering.route(plain, backend.url());
        assertThat(commonName(ordering, plain)).as("the same certificate without the option").isEqualTo("CN=in-redis");
    }

    @Test
    @Order(4)
    void privateNamesAndRoutesWithTlsOffAreNeverOrdered() throws Exception {
        double before = orders(ordering, "issued") + orders(ordering, "failed");
        ordering.route("app.localhost", backend.url());
        ordering.route("10.1.2.3", backend.url());
        String off = newHost("off");
        ordering.store().addBackend(off, "", off, BackendUrl.parse(backend.url()), Map.of("tls", "off"))
                .toCompletableFuture().join();
        double looks = metric(ordering, "wharf_proxy_acme_looks_total");
        commonName(ordering, off); // a handshake naming it, too
        Wait.until("automatic HTTPS to look at " + off, ISSUED, () -> metric(ordering, "wharf_proxy_acme_looks_total") > looks);
        assertThat(commonName(ordering, "app.localhost")).contains("Wharf default certificate");
        assertThat(ordering.redis().exists(ordering.key("tls:" + off), ordering.key("tls:app.localhost"),
                ordering.key("tls:10.1.2.3"))).isZero();
        assertThat(orders(ordering, "issued") + orders(ordering, "failed")).isEqualTo(before);
    }

    @Test
    @Order(5)
    void aRefusingCaIsRetriedLaterWithItsProblemKept() throws Exception {
        String host = "blocked." + ZONE;
        ordering.route(host, backend.url());
        String failures = ordering.key("wharf:acme:failures:" + host);
        Wait.until("a failed order recorded", ISSUED, () -> "1".equals(ordering.redis().hget(failures, "count")));
        Map<String, String> first = ordering.redis().hgetall(failures);
        assertThat(first.get("problem")).containsIgnoringCase("policy");
        assertThat(ordering.redis().pttl(failures)).as("kept one day").isGreaterThan(Duration.ofHours(23).toMillis());
        // 1 s after the first failure, then 2 s: the count goes on, the wait doubles.
        Wait.until("a second failed order", ISSUED, () -> "2".equals(ordering.redis().hget(failures, "count")));
        Map<String, String> second = ordering.redis().hgetall(failures);
        assertThat(Long.parseLong(second.get("next")) - Long.parseLong(first.get("next"))).isGreaterThanOrEqualTo(1800);
        assertThat(commonName(ordering, host)).contains("Wharf default certificate");
    }

    @Test
    @Order(6)
    void tlsAlpn01IsAnsweredOnTheHttpsPortOfTheProxyTheCaReaches() throws Exception {
        ordering.close(); // the only proxy ordering now is the one that answers TLS-ALPN-01
        try (TestProxy alpn = TestProxy.beside(reached, s -> Settings.acme(Settings.https(s, FreePort.find(), null),
                pebble.directory(), Duration.ofSeconds(1), AcmeSettings.Challenge.TLS_ALPN_01))) {
            String host = newHost("alpn");
            alpn.route(host, backend.url());
            awaitCertificate(host);
            Wait.until("a trusted certificate for " + host, ISSUED, () -> servesTrusted(reached, host, pebble.clientContext()));
            // pebble logs its HTTP-01 attempts only: none for this host, so the certificate came through TLS-ALPN-01.
            assertThat(pebble.log()).contains(host).doesNotContain("http://" + host);
            assertThat(alpn.redis().keys(alpn.key("wharf:acme:tls-alpn:*"))).as("validation certificates cleaned up").isEmpty();
        } finally {
            ordering = TestProxy.beside(reached, AcmeIT::withAcme);
        }
    }

    @Test
    @Order(7)
    void aRestartedProxyServesWhatWasIssuedAndOrdersNothing() throws Exception {
        String host = newHost("kept");
        ordering.route(host, backend.url());
        awaitCertificate(host);
        try (TestProxy restarted = TestProxy.beside(reached, AcmeIT::withAcme)) {
            Wait.until("the restarted proxy's first looks (its sweep of tls:*)", ISSUED,
                    () -> metric(restarted, "wharf_proxy_acme_looks_total") >= 1);
            assertThat(servesTrusted(restarted, host, pebble.clientContext())).isTrue();
            assertThat(orders(restarted, "issued") + orders(restarted, "failed")).isZero();
        }
    }

    @Test
    @Order(8)
    void whileTheCaIsDownTheDefaultCertificateIsServedWithoutDelayAndTheOrderFollowsItsReturn() throws Exception {
        pebble.stop();
        String host = newHost("outage");
        ordering.route(host, backend.url());
        String failures = ordering.key("wharf:acme:failures:" + host);
        Wait.until("a failed order recorded", ISSUED, () -> ordering.redis().hget(failures, "count") != null);
        long started = System.nanoTime();
        try (SSLSocket socket = TlsClient.handshake(TlsClient.trustAll(), ordering.httpsPort(), host, "TLSv1.3", false)) {
            assertThat(TlsClient.peer(socket).getSubjectX500Principal().getName()).contains("Wharf default certificate");
            assertThat(TlsClient.exchange(socket, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).endsWith("acme-backend");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        pebble.restart(); // it forgot the account too: the shared key registers again
        awaitCertificate(host);
        Wait.until("a certificate from the restarted CA", ISSUED, () -> servesTrusted(ordering, host, pebble.clientContext()));
        assertThat(ordering.redis().exists(failures)).as("failures cleared on success").isZero();
    }

    private static String newHost(String name) {
        return name + "-" + hosts.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() % 0xfffff) + "." + ZONE;
    }

    private static void awaitCertificate(String host) {
        String key = reached.key("tls:" + host);
        try {
            Wait.until("a certificate in " + key, ISSUED, () -> reached.redis().hget(key, "wharf-acme") != null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\npebble's log:\n" + pebble.log(), e);
        }
    }

    private static boolean servesTrusted(TestProxy proxy, String host, SSLContext trust) {
        try (SSLSocket ignored = TlsClient.handshake(trust, proxy.httpsPort(), host, "TLSv1.3", true)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String commonName(TestProxy proxy, String host) throws Exception {
        try (SSLSocket socket = TlsClient.handshake(TlsClient.trustAll(), proxy.httpsPort(), host, "TLSv1.3", false)) {
            X509Certificate served = TlsClient.peer(socket);
            return served.getSubjectX500Principal().getName();
        }
    }

    private static String quietly(java.util.concurrent.Callable<String> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static double orders(TestProxy proxy, String result) {
        return metric(proxy, "wharf_proxy_acme_orders_total{result=\"" + result + "\"");
    }

    /** A counter from the proxy's /metrics, 0 when it has not counted yet. */
    private static double metric(TestProxy proxy, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "[^ ]* ([0-9.eE+-]+)$").matcher(proxy.admin("/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}

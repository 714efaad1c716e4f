package dev.wharf.proxy;

import dev.wharf.cli.Cli;
import dev.wharf.proxy.config.AdminSettings;
import dev.wharf.proxy.config.BackendSettings;
import dev.wharf.proxy.config.ClientSettings;
import dev.wharf.proxy.config.ConfigException;
import dev.wharf.proxy.config.HipacheConfig;
import dev.wharf.proxy.config.ListenerSettings;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.config.StoreSettings;
import dev.wharf.proxy.config.TlsSettings;
import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.acme.OrderSchedule;
import dev.wharf.proxy.tls.TlsEngine;
import dev.wharf.proxy.dns.DnsSettings;
import dev.wharf.proxy.dns.DnsZones;
import dev.wharf.proxy.tls.CertificateFiles;
import dev.wharf.route.Hosts;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RedisTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code wharf-proxy}. Every option also reads {@code WHARF_<OPTION>}. Precedence: command line, then
 * environment, then Hipache's {@code config.json} ({@code --config}), then the defaults shown in {@code --help}.
 * Over 250 lines because each of its 30 options is a declared field with its help text.
 */
@Command(name = "wharf-proxy", mixinStandardHelpOptions = true, version = "wharf-proxy 0.1.0", sortOptions = false,
        description = "Reverse proxy for the routes in Redis (Hipache's format): HTTP/1.1 and HTTP/2, keep-alive, WebSocket.")
public final class ProxyCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--redis-url", defaultValue = "${env:WHARF_REDIS_URL}",
            description = "Route store, as for the agent (default: config.json's driver, else " + StoreSettings.REDIS_URL + "). Env: WHARF_REDIS_URL.")
    String redisUrl;

    @Option(names = "--redis-read-url", defaultValue = "${env:WHARF_REDIS_READ_URL}",
            description = "A replica to look routes up on and subscribe to (often one on this host), as Hipache's second driver URL; "
                    + "writes (dead marks, ACME state) still go to --redis-url, and lookups do too while the replica is "
                    + "unreachable (default: config.json's second driver, else none). Env: WHARF_REDIS_READ_URL.")
    String redisReadUrl;

    @Option(names = "--config", defaultValue = "${env:WHARF_CONFIG}",
            description = "Hipache's config.json, read as it is; explicit options win over it. Env: WHARF_CONFIG.")
    Path config;

    @Option(names = "--bind", split = ",", defaultValue = "${env:WHARF_BIND}",
            description = "Address(es) to listen on (default: " + ListenerSettings.BIND + "). Env: WHARF_BIND.")
    List<String> bind;

    @Option(names = "--http-port", defaultValue = "${env:WHARF_HTTP_PORT}",
            description = "HTTP port (default: " + ListenerSettings.HTTP_PORT + "). Env: WHARF_HTTP_PORT.")
    Integer httpPort;

    @Option(names = "--https-port", defaultValue = "${env:WHARF_HTTPS_PORT}",
            description = "HTTPS port, 0 = off (default: " + ListenerSettings.HTTPS_PORT + "). Env: WHARF_HTTPS_PORT.")
    Integer httpsPort;

    @Option(names = "--cert-dir", defaultValue = "${env:WHARF_CERT_DIR}",
            description = "Certificates for SNI: <host>.crt + <host>.key, _wildcard.<parent>.crt, default.crt "
                    + "(default: a self-signed certificate). Env: WHARF_CERT_DIR.")
    Path certDir;

    @Option(names = "--tls-engine", defaultValue = "${env:WHARF_TLS_ENGINE}",
            description = "auto (OpenSSL when it loads, else the JDK's), openssl or jdk (default: auto). Env: WHARF_TLS_ENGINE.")
    String tlsEngine;

    @Option(names = "--acme-email", defaultValue = "${env:WHARF_ACME_EMAIL}",
            description = "Turns automatic HTTPS on: every routed public host gets a certificate from the ACME CA; "
                    + "setting it accepts the CA's terms of service. Needs port 80 reachable from the CA. Env: WHARF_ACME_EMAIL.")
    String acmeEmail;

    @Option(names = "--acme-directory", defaultValue = "${env:WHARF_ACME_DIRECTORY}",
            description = "The ACME CA's directory URL (default: Let's Encrypt, " + AcmeSettings.LETS_ENCRYPT
                    + "; staging: https://acme-staging-v02.api.letsencrypt.org/directory). Env: WHARF_ACME_DIRECTORY.")
    String acmeDirectory;

    @Option(names = "--acme-challenge", defaultValue = "${env:WHARF_ACME_CHALLENGE}",
            description = "http-01 (the CA connects to port 80) or tls-alpn-01 (to the HTTPS port, for when 80 is closed) "
                    + "(default: http-01). Env: WHARF_ACME_CHALLENGE.")
    String acmeChallenge;

    @Option(names = "--acme-retry-after", defaultValue = "${env:WHARF_ACME_RETRY_AFTER}",
            description = "Seconds before a failed order is tried again; doubles with each failure, at most "
                    + OrderSchedule.FAILURES_PER_DAY + " a day (default: " + AcmeSettings.RETRY_AFTER_SECONDS + "). Env: WHARF_ACME_RETRY_AFTER.")
    Integer acmeRetryAfter;

    @Option(names = "--redirect-https", defaultValue = "${env:WHARF_REDIRECT_HTTPS}", arity = "0..1", fallbackValue = "true",
            description = "Answer plain-HTTP requests with 308 to https://<host><path> (default: false). Env: WHARF_REDIRECT_HTTPS.")
    Boolean redirectHttps;

    @Option(names = "--h2c", defaultValue = "${env:WHARF_H2C}", arity = "0..1", fallbackValue = "true",
            description = "Also speak HTTP/2 with prior knowledge (h2c, no TLS) on the HTTP port, for clients and load "
                    + "balancers that know this proxy speaks it; HTTPS always offers h2 by ALPN (default: false). Env: WHARF_H2C.")
    Boolean h2c;

    @Option(names = "--admin-port", defaultValue = "${env:WHARF_ADMIN_PORT}",
            description = "Port of /healthz, /readyz, /metrics, /api/routes, /api/frontends and the dashboard (/), 0 = off (default: " + AdminSettings.PORT + "). Env: WHARF_ADMIN_PORT.")
    Integer adminPort;

    @Option(names = "--admin-bind", defaultValue = "${env:WHARF_ADMIN_BIND}",
            description = "Address of the admin port (default: " + AdminSettings.BIND + "). Env: WHARF_ADMIN_BIND.")
    String adminBind;

    @Option(names = "--admin-token", defaultValue = "${env:WHARF_ADMIN_TOKEN}",
            description = "Token the dashboard and /api/* require (Authorization: Bearer <token>, or ?token= on the page);"
                    + " required when --admin-bind is not loopback. Env: WHARF_ADMIN_TOKEN.")
    String adminToken;

    @Option(names = "--xip-domain", split = ",", defaultValue = "${env:WHARF_XIP_DOMAIN}",
            description = "xip.io-style domains, repeatable (default: xip.io, nip.io, sslip.io). Env: WHARF_XIP_DOMAIN.")
    List<String> xipDomains;

    @Option(names = "--cache-ttl", defaultValue = "${env:WHARF_CACHE_TTL}",
            description = "Milliseconds a lookup is cached (default: " + StoreSettings.CACHE_TTL_MILLIS + "). Env: WHARF_CACHE_TTL.")
    Long cacheTtl;

    @Option(names = "--dead-backend-ttl", defaultValue = "${env:WHARF_DEAD_BACKEND_TTL}",
            description = "Seconds a backend stays marked dead (default: " + BackendSettings.DEAD_TTL_SECONDS + "). Env: WHARF_DEAD_BACKEND_TTL.")
    Integer deadBackendTtl;

    @Option(names = "--retry-on-error", defaultValue = "${env:WHARF_RETRY_ON_ERROR}",
            description = "Other backends to try after a connect failure (default: " + BackendSettings.RETRY_ON_ERROR + "). Env: WHARF_RETRY_ON_ERROR.")
    Integer retryOnError;

    @Option(names = "--access-log", defaultValue = "${env:WHARF_ACCESS_LOG}",
            description = "A file, stdout, or off (default: " + ClientSettings.ACCESS_LOG + "). Env: WHARF_ACCESS_LOG.")
    String accessLog;

    @Option(names = "--workers", defaultValue = "${env:WHARF_WORKERS}",
            description = "Event loop threads, 0 = one per core (default: " + ProxySettings.WORKERS + "). Env: WHARF_WORKERS.")
    Integer workers;

    @Option(names = "--max-sockets", defaultValue = "${env:WHARF_MAX_SOCKETS}",
            description = "Connections per backend per event loop (default: " + BackendSettings.MAX_SOCKETS + "). Env: WHARF_MAX_SOCKETS.")
    Integer maxSockets;

    @Option(names = "--connect-timeout", defaultValue = "${env:WHARF_CONNECT_TIMEOUT}",
            description = "Milliseconds to connect to a backend (default: " + BackendSettings.CONNECT_TIMEOUT_MILLIS + "). Env: WHARF_CONNECT_TIMEOUT.")
    Long connectTimeout;

    @Option(names = "--backend-timeout", defaultValue = "${env:WHARF_BACKEND_TIMEOUT}",
            description = "Seconds to wait for a backend's answer (default: " + BackendSettings.TIMEOUT_SECONDS + "). Env: WHARF_BACKEND_TIMEOUT.")
    Integer backendTimeout;

    @Option(names = "--client-timeout", defaultValue = "${env:WHARF_CLIENT_TIMEOUT}",
            description = "Seconds to wait for a request head or the next part of a body (default: " + ClientSettings.TIMEOUT_SECONDS + "). Env: WHARF_CLIENT_TIMEOUT.")
    Integer clientTimeout;

    @Option(names = "--trust-forwarded", defaultValue = "${env:WHARF_TRUST_FORWARDED}", arity = "0..1", fallbackValue = "true",
            description = "Keep clients' X-Forwarded-* headers (behind another proxy) (default: false). Env: WHARF_TRUST_FORWARDED.")
    Boolean trustForwarded;

    @Option(names = "--dead-backend-on-500", defaultValue = "${env:WHARF_DEAD_BACKEND_ON_500}", arity = "0..1", fallbackValue = "true",
            description = "Also mark a backend dead when it answers 5xx, as Hipache did (default: false). Env: WHARF_DEAD_BACKEND_ON_500.")
    Boolean deadBackendOn500;

    @Option(names = "--underscores-in-headers", defaultValue = "${env:WHARF_UNDERSCORES_IN_HEADERS}", arity = "0..1",
            fallbackValue = "true", description = "Forward request headers whose names contain '_' (default: false: "
            + "dropped, since CGI backends read X_Forwarded_For as X-Forwarded-For). Env: WHARF_UNDERSCORES_IN_HEADERS.")
    Boolean underscoresInHeaders;

    @Option(names = "--dns-port", defaultValue = "${env:WHARF_DNS_PORT}",
            description = "Answer DNS for the --dns-zone names on this UDP and TCP port (default: 0, off). Env: WHARF_DNS_PORT.")
    Integer dnsPort;

    @Option(names = "--dns-zone", split = ",", defaultValue = "${env:WHARF_DNS_ZONE}",
            description = "A zone delegated to this proxy, repeatable: <name>.<ip>.<zone> resolves to <ip>, any other name "
                    + "under it to --dns-ip; also routed like a xip domain. Env: WHARF_DNS_ZONE.")
    List<String> dnsZones;

    @Option(names = "--dns-ip", defaultValue = "${env:WHARF_DNS_IP}",
            description = "The IPv4 address the other names under a --dns-zone resolve to (this host's). Env: WHARF_DNS_IP.")
    String dnsIp;

    @Option(names = "--shutdown-grace", defaultValue = "${env:WHARF_SHUTDOWN_GRACE}",
            description = "Seconds in-flight requests get to finish on SIGTERM (default: " + ProxySettings.SHUTDOWN_GRACE_SECONDS + "). Env: WHARF_SHUTDOWN_GRACE.")
    Integer shutdownGrace;

    public static void main(String[] args) {
        // Leak detection samples buffers at a cost on every request; the tests run with it on (Netty's default).
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return Cli.commandLine(new ProxyCommand());
    }

    @Override
    public Integer call() throws Exception {
        ProxySettings settings = settings();
        ProxyServer server = ProxyServer.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping: finishing in-flight requests (up to {} s)", settings.shutdownGrace().toSeconds());
            server.close();
            stopped.countDown();
        }, "wharf-shutdown"));
        stopped.await();
        return 0;
    }

    /** Merges command line and environment (already in the fields), config.json and the defaults. */
    ProxySettings settings() {
        HipacheConfig file = config == null ? emptyConfig() : Cli.option(spec, null, () -> readConfig(config));
        String redis = first(redisUrl, file.driver(), StoreSettings.REDIS_URL);
        RedisTarget writes = Cli.option(spec, "--redis-url", () -> RedisTarget.parse(redis));
        String readUrl = first(redisReadUrl, file.readDriver(), null);
        if (readUrl != null) {
            Cli.option(spec, "--redis-read-url", () -> sameKeys(RedisTarget.parse(readUrl), writes));
        }
        List<String> domains = first(xipDomains, null, LookupOrder.DEFAULT_XIP_DOMAINS);
        domains.forEach(domain -> Cli.option(spec, "--xip-domain", () -> Hosts.frontendHost(domain)));
        return new ProxySettings(
                new ListenerSettings(
                        first(bind, file.httpBind(), List.of(ListenerSettings.BIND)),
                        port("--http-port", first(httpPort, file.httpPort(), ListenerSettings.HTTP_PORT)),
                        port("--https-port", first(httpsPort, file.httpsPort(), ListenerSettings.HTTPS_PORT)),
                        certDir,
                        defaultCertificate(file),
                        first(redirectHttps, null, false),
                        dns(),
                        first(h2c, null, false)),
                new StoreSettings(redis, readUrl, domains,
                        Duration.ofMillis(positive("--cache-ttl", first(cacheTtl, null, StoreSettings.CACHE_TTL_MILLIS)))),
                new BackendSettings(
                        positive("--max-sockets", first(maxSockets, file.maxSockets(), BackendSettings.MAX_SOCKETS)),
                        Duration.ofMillis(positive("--connect-timeout",
                                first(connectTimeout, null, BackendSettings.CONNECT_TIMEOUT_MILLIS))),
                        Duration.ofSeconds(positive("--backend-timeout",
                                first(backendTimeout, file.tcpTimeout(), BackendSettings.TIMEOUT_SECONDS))),
                        atLeastZero("--retry-on-error", first(retryOnError, file.retryOnError(), BackendSettings.RETRY_ON_ERROR)),
                        Duration.ofSeconds(positive("--dead-backend-ttl",
                                first(deadBackendTtl, file.deadBackendTtl(), BackendSettings.DEAD_TTL_SECONDS))),
                        first(deadBackendOn500, file.deadBackendOn500(), false),
                        first(null, file.httpKeepAlive(), true)),
                new ClientSettings(
                        Duration.ofSeconds(positive("--client-timeout", first(clientTimeout, null, ClientSettings.TIMEOUT_SECONDS))),
                        first(trustForwarded, null, false),
                        first(underscoresInHeaders, null, false),
                        first(accessLog, file.accessLog(), ClientSettings.ACCESS_LOG)),
                admin(),
                tls(),
                atLeastZero("--workers", first(workers, file.workers(), ProxySettings.WORKERS)),
                Duration.ofSeconds(atLeastZero("--shutdown-grace",
                        first(shutdownGrace, null, ProxySettings.SHUTDOWN_GRACE_SECONDS))));
    }

    /** The admin port; one open beyond loopback must ask for a token (its API lists every route). */
    private AdminSettings admin() {
        AdminSettings admin = new AdminSettings(first(adminBind, null, AdminSettings.BIND),
                port("--admin-port", first(adminPort, null, AdminSettings.PORT)),
                adminToken == null || adminToken.isBlank() ? null : adminToken.trim());
        if (admin.port() != 0 && !admin.loopbackOnly() && admin.token() == null) {
            throw new ParameterException(spec.commandLine(), "--admin-bind " + admin.bind()
                    + " is not loopback: set --admin-token (WHARF_ADMIN_TOKEN) so that the dashboard and /api/* are not open to all");
        }
        return admin;
    }

    private TlsSettings tls() {
        TlsEngine.Choice engine = tlsEngine == null || tlsEngine.isBlank() ? TlsEngine.Choice.AUTO
                : Cli.option(spec, "--tls-engine", () -> TlsEngine.parseChoice(tlsEngine));
        if (acmeEmail == null || acmeEmail.isBlank()) {
            if (acmeDirectory != null && !acmeDirectory.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--acme-directory needs --acme-email (WHARF_ACME_EMAIL), which turns automatic HTTPS on");
            }
            return new TlsSettings(engine, null);
        }
        return new TlsSettings(engine, new AcmeSettings(
                Cli.option(spec, "--acme-email", () -> AcmeSettings.email(acmeEmail)),
                Cli.option(spec, "--acme-directory", () -> AcmeSettings.directory(
                        acmeDirectory == null || acmeDirectory.isBlank() ? AcmeSettings.LETS_ENCRYPT : acmeDirectory)),
                Duration.ofSeconds(positive("--acme-retry-after", first(acmeRetryAfter, null, AcmeSettings.RETRY_AFTER_SECONDS))),
                acmeChallenge == null || acmeChallenge.isBlank() ? AcmeSettings.Challenge.HTTP_01
                        : Cli.option(spec, "--acme-challenge", () -> AcmeSettings.Challenge.parse(acmeChallenge))));
    }

    private static HipacheConfig readConfig(Path path) {
        try {
            return HipacheConfig.read(path);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static HipacheConfig emptyConfig() {
        return new HipacheConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Hipache's {@code https.cert}/{@code key}/{@code ca}, relative paths taken from the config file's folder. */
    private CertificateFiles defaultCertificate(HipacheConfig file) {
        if (file.httpsCert() == null && file.httpsKey() == null) {
            return null;
        }
        if (file.httpsCert() == null || file.httpsKey() == null) {
            throw new ParameterException(spec.commandLine(), config + ": https needs both cert and key");
        }
        Path base = config.toAbsolutePath().getParent();
        List<Path> chain = file.httpsCa() == null ? List.of() : file.httpsCa().stream().map(base::resolve).toList();
        return new CertificateFiles(base.resolve(file.httpsCert()), base.resolve(file.httpsKey()), chain);
    }

    private DnsSettings dns() {
        int port = port("--dns-port", first(dnsPort, null, 0));
        List<String> zones = new ArrayList<>();
        for (String zone : dnsZones == null ? List.<String>of() : dnsZones) {
            if (!zone.isBlank()) {
                zones.add(Cli.option(spec, "--dns-zone", () -> Hosts.frontendHost(zone)));
            }
        }
        if (port == 0) {
            return DnsSettings.OFF;
        }
        if (zones.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--dns-port needs at least one --dns-zone");
        }
        if (dnsIp == null || dnsIp.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--dns-port needs --dns-ip (the address of this host)");
        }
        String ip = Cli.option(spec, "--dns-ip", () -> DnsZones.requireIpv4(dnsIp.trim()));
        return new DnsSettings(port, zones, ip);
    }

    /** A replica holds the master's keys: a read URL may repeat the key prefix, never name another. */
    private static RedisTarget sameKeys(RedisTarget reads, RedisTarget writes) {
        if (!reads.prefix().isEmpty() && !reads.prefix().equals(writes.prefix())) {
            throw new IllegalArgumentException("key prefix '" + reads.prefix() + "' differs from --redis-url's '"
                    + writes.prefix() + "' (a replica holds the same keys)");
        }
        return reads;
    }

    private static <T> T first(T option, T fromFile, T fallback) {
        return option != null ? option : fromFile != null ? fromFile : fallback;
    }

    private int port(String option, int port) {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), option + " must be a port from 0 to 65535, not " + port);
        }
        return port;
    }

    private <N extends Number> N positive(String option, N value) {
        if (value.longValue() < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1, not " + value);
        }
        return value;
    }

    private int atLeastZero(String option, int value) {
        if (value < 0) {
            throw new ParameterException(spec.commandLine(), option + " must not be negative, not " + value);
        }
        return value;
    }
}

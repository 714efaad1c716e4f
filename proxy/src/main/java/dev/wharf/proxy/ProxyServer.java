package dev.wharf.proxy;

import dev.wharf.admin.AdminServer;
import dev.wharf.proxy.admin.ContainerListing;
import dev.wharf.proxy.admin.Dashboard;
import dev.wharf.proxy.admin.FrontendListing;
import dev.wharf.proxy.admin.RouteListing;
import dev.wharf.proxy.config.ListenerSettings;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.dns.DnsServer;
import dev.wharf.proxy.dns.DnsSettings;
import dev.wharf.proxy.dns.DnsZones;
import dev.wharf.proxy.http.AccessLog;
import dev.wharf.proxy.http.ClientConnection;
import dev.wharf.proxy.http.ProxyContext;
import dev.wharf.proxy.http.ProxyInitializer;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.pool.BackendPools;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.BackendProbe;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.route.RouteEvents;
import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.acme.AutomaticHttps;
import dev.wharf.proxy.tls.Certificates;
import dev.wharf.proxy.tls.SniCertificates;
import dev.wharf.proxy.tls.StoredCertificates;
import dev.wharf.proxy.tls.TlsEngine;
import dev.wharf.route.RouteOptions;
import dev.wharf.store.CertificateStore;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RedisTarget;
import dev.wharf.store.RouteStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/** Starts the proxy (listeners, route cache and its subscription, backend pools) and stops it gracefully. */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final long CHALLENGE_TIMEOUT_MILLIS = 2000;

    private final ProxySettings settings;
    private final RedisConnection redis;
    private final RedisConnection reads;
    private final RouteEvents events;
    private final RouteCache routes;
    private final ProxyMetrics metrics;
    private final AutoCloseable jvmMetrics;
    private final AdminServer admin;
    private final AccessLog accessLog;
    private final ProxyContext context;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final List<Channel> httpsListeners = new ArrayList<>();
    private final Certificates certificates;
    private final DnsServer dns;
    private final BasicAuth auth;
    private final BackendProbe probe;
    private final AutomaticHttps acme;
    private final StoredCertificates storedCertificates;

    private ProxyServer(ProxySettings settings) throws IOException {
        this.settings = settings;
        ListenerSettings listen = settings.listeners();
        RedisTarget target = RedisTarget.parse(settings.store().redisUrl());
        this.redis = new RedisConnection(target);
        String readUrl = settings.store().redisReadUrl();
        // A replica holds the master's keys: the prefix is the master URL's.
        this.reads = readUrl == null ? redis : new RedisConnection(new RedisTarget(RedisTarget.parse(readUrl).uri(), target.prefix()));
        RouteStore store = new RouteStore(redis, reads);
        // A zone this proxy answers DNS for is routed like any xip domain: app.10.1.2.3.<zone> → frontend:app.
        List<String> xipDomains = new ArrayList<>(settings.store().xipDomains());
        listen.dns().zones().stream().filter(zone -> !xipDomains.contains(zone)).forEach(xipDomains::add);
        LookupOrder order = new LookupOrder(xipDomains);
        RouteCache routes = new RouteCache(store::lookup, order, xipDomains, settings.store().cacheTtl());
        this.metrics = new ProxyMetrics();
        this.jvmMetrics = metrics.bindJvm();
        this.accessLog = AccessLog.open(settings.clients().accessLog());
        Transport transport = Transport.best();
        BackendPools pools = new BackendPools(transport.channel(), settings.backends().maxSockets(),
                settings.backends().connectTimeout());
        DeadBackends dead = new DeadBackends(store::markDead, settings.backends().deadTtl(), metrics);
        String owner = ownerId();
        this.probe = new BackendProbe(store, order, settings.backends().deadTtl(), metrics, owner);
        CertificateStore certificateStore = new CertificateStore(redis);
        AcmeSettings acmeSettings = settings.tls().acme();
        this.acme = acmeSettings == null || listen.httpsPort() == 0 ? null
                : new AutomaticHttps(acmeSettings, certificateStore, host -> exactRouteTls(routes, host), owner, Clock.systemUTC(),
                        metrics);
        if (acmeSettings != null && acme == null) {
            log.warn("--acme-email is set but HTTPS is off (--https-port 0): no certificates are ordered");
        }
        this.storedCertificates = listen.httpsPort() == 0 ? null : new StoredCertificates(certificateStore,
                TlsEngine.choose(settings.tls().engine()), target.prefix(), ForkJoinPool.commonPool());
        this.events = new RouteEvents(reads, routes, dead, metrics, probe,
                acme == null ? route -> { } : acme::routeChanged,
                host -> {
                    if (storedCertificates != null) {
                        storedCertificates.changed(host);
                    }
                    if (acme != null) {
                        acme.certificateChanged(host);
                    }
                });
        // bcrypt is CPU work by design: at most half the cores, so proxying goes on during a flood of guesses.
        this.auth = new BasicAuth(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        this.context = new ProxyContext(settings.clients(), settings.backends(), listen.redirectHttps(), routes,
                dead, pools, auth, accessLog, metrics,
                token -> certificateStore.challenge(token).toCompletableFuture()
                        .orTimeout(CHALLENGE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        metrics.gauge("wharf.proxy.connections.open", "Client connections open", clients::size);
        metrics.gauge("wharf.proxy.backend.connections.open", "Backend connections open", pools::openConnections);
        metrics.gauge("wharf.proxy.route.cache.size", "Hosts in the route cache", routes::size);
        metrics.gauge("wharf.proxy.redis.tracking", "1 while Redis reports changed route keys (client-side caching)",
                () -> events.tracking() ? 1 : 0);
        this.routes = routes;
        this.acceptors = new MultiThreadIoEventLoopGroup(1, transport.ioHandler());
        // One loop per core by default, not Netty's two: on a busy host the extra loops only add context
        // switches, which showed as a longer tail in bench/proxy-vs-nginx.sh.
        int loops = settings.workers() == 0 ? Runtime.getRuntime().availableProcessors() : settings.workers();
        this.workers = new MultiThreadIoEventLoopGroup(loops, transport.ioHandler());
        log.info("transport {}, {} event loop(s), Redis {}{}", transport.name(), loops, target,
                reads == redis ? "" : ", lookups on " + reads.target());
        events.start();
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptors, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ProxyInitializer(context, clients, listen.h2c()));
        for (String address : listen.bind()) {
            Channel listener = bootstrap.bind(address, listen.httpPort()).syncUninterruptibly().channel();
            listeners.add(listener);
            log.info("listening for HTTP{} on {}", listen.h2c() ? " (and h2c)" : "", listener.localAddress());
        }
        this.certificates = listen.httpsPort() == 0 ? null
                : Certificates.load(listen.certDir(), listen.defaultCertificate(), storedCertificates.engine());
        if (certificates != null) {
            SniCertificates sni = new SniCertificates(certificates, storedCertificates,
                    acme == null ? host -> { } : acme::missing,
                    host -> exactRouteTls(routes, host).thenApply(tls -> tls.orElse(null) == RouteOptions.Tls.DEFAULT));
            ServerBootstrap tls = bootstrap.clone().childHandler(new ProxyInitializer(context, clients, sni));
            for (String address : listen.bind()) {
                Channel listener = tls.bind(address, listen.httpsPort()).syncUninterruptibly().channel();
                httpsListeners.add(listener);
                log.info("listening for HTTPS (h2, http/1.1) on {}", listener.localAddress());
            }
        }
        if (acme != null) {
            acme.start();
        }
        DnsSettings dnsSettings = listen.dns();
        this.dns = dnsSettings.enabled()
                ? new DnsServer(new DnsZones(dnsSettings.zones(), dnsSettings.ip()), metrics, listen.bind(),
                        dnsSettings.port(), workers, transport.datagramChannel(), transport.serverChannel())
                : null;
        this.admin = settings.admin().port() == 0 ? null
                : new AdminServer(settings.admin().bind(), settings.admin().port(), this::healthy, this::ready, metrics.registry());
        if (admin != null) {
            if (settings.admin().token() != null) {
                admin.requireToken(settings.admin().token());
            }
            ContainerListing containers = new ContainerListing(redis);
            admin.handle("/api/routes", new RouteListing(routes, store, order, dead, containers));
            admin.handle("/api/containers", containers);
            admin.handle("/api/frontends", new FrontendListing(redis, dead, metrics));
            admin.home(new Dashboard());
            admin.start();
            log.info("admin port (health, readiness, metrics) on {}:{}", settings.admin().bind(), admin.port());
        }
    }

    /** The route port of automatic HTTPS: the {@code tls} option of the host's own route, if it has one. */
    private static CompletableFuture<Optional<RouteOptions.Tls>> exactRouteTls(RouteCache routes, String host) {
        return routes.resolve(host).thenApply(resolved -> host.equals(resolved.frontendHost())
                ? Optional.of(resolved.routes().stream().map(route -> route.options().tls())
                        .filter(tls -> tls != RouteOptions.Tls.ACME).findFirst().orElse(RouteOptions.Tls.ACME))
                : Optional.empty());
    }

    /** Names this proxy in probe locks (host, process, start), so that a restarted proxy is another holder. */
    private static String ownerId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "proxy";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + Long.toHexString(System.nanoTime());
    }

    public static ProxyServer start(ProxySettings settings) throws IOException {
        return new ProxyServer(settings);
    }

    /** The port actually bound (differs from the setting when that is 0). */
    public int httpPort() {
        return ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    public boolean healthy() {
        return listeners.stream().allMatch(Channel::isActive) && httpsListeners.stream().allMatch(Channel::isActive)
                && (dns == null || dns.listening());
    }

    /** The DNS port actually bound, or -1 when DNS is off. */
    public int dnsPort() {
        return dns == null ? -1 : dns.port();
    }

    /** The HTTPS port actually bound, or -1 when TLS is off. */
    public int httpsPort() {
        return httpsListeners.isEmpty() ? -1 : ((InetSocketAddress) httpsListeners.get(0).localAddress()).getPort();
    }

    /**
     * Ready to serve: listening, and able to look routes up and hear of their changes (Redis reachable and
     * the route events subscribed), or holding answers already (served while Redis is away).
     */
    public boolean ready() {
        return healthy() && ((redis.connected() && events.subscribed()) || routes.size() > 0);
    }

    /** The admin port actually bound, or -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** Stops accepting, lets in-flight exchanges finish (up to the grace period), then closes everything. */
    @Override
    public void close() {
        listeners.forEach(listener -> listener.close().syncUninterruptibly());
        httpsListeners.forEach(listener -> listener.close().syncUninterruptibly());
        if (dns != null) {
            dns.close();
        }
        if (certificates != null) {
            try {
                certificates.close();
            } catch (IOException e) {
                log.debug("closing the certificate watcher: {}", e.getMessage());
            }
        }
        if (admin != null) {
            admin.close();
        }
        context.drain();
        for (Channel client : clients) {
            client.eventLoop().execute(() -> {
                if (!ClientConnection.busy(client)) {
                    client.close();
                }
            });
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (!clients.isEmpty()) {
            log.warn("closing {} connection(s) still busy after {} s", clients.size(), settings.shutdownGrace().toSeconds());
        }
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        events.close();
        if (acme != null) {
            acme.close();
        }
        probe.close();
        auth.close();
        if (reads != redis) {
            reads.close();
        }
        redis.close();
        accessLog.close();
        try {
            jvmMetrics.close();
        } catch (Exception e) {
            log.debug("closing the JVM meters: {}", e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

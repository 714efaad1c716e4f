package dev.wharf.proxy.http;

import dev.wharf.proxy.config.BackendSettings;
import dev.wharf.proxy.config.ClientSettings;
import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.pool.Backends;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.InFlight;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.route.BackendUrl;

import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What every client connection shares: client and backend settings, the route cache, dead marks, backend connections,
 * requests in flight, basic-auth checks, the access log,
 * metrics, the answers to ACME's HTTP-01 challenges, and whether the proxy is draining for shutdown.
 */
public final class ProxyContext {

    final ClientSettings clients;
    final BackendSettings backendSettings;
    final boolean redirectHttps;
    final RouteCache routes;
    final DeadBackends dead;
    /** {@code dead::isDead}, made once rather than per request. */
    final Predicate<BackendUrl> deadHere;
    final Backends backends;
    final InFlight inFlight = new InFlight();
    /** {@code inFlight::count}, made once rather than per request. */
    final ToIntFunction<BackendUrl> inFlightCount = inFlight::count;
    final BasicAuth auth;
    final AccessLog accessLog;
    final ProxyMetrics metrics;
    final AcmeChallenges challenges;
    private volatile boolean draining;

    public ProxyContext(ClientSettings clients, BackendSettings backendSettings, boolean redirectHttps, RouteCache routes, DeadBackends dead, Backends backends,
                        BasicAuth auth, AccessLog accessLog, ProxyMetrics metrics, AcmeChallenges challenges) {
        this.challenges = challenges;
        this.clients = clients;
        this.backendSettings = backendSettings;
        this.redirectHttps = redirectHttps;
        this.routes = routes;
        this.dead = dead;
        this.deadHere = dead::isDead;
        this.backends = backends;
        this.auth = auth;
        this.accessLog = accessLog;
        this.metrics = metrics;
    }

    /** From now on, connections close after their current exchange. */
    public void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }
}

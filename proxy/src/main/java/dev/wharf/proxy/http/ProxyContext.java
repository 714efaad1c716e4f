package dev.wharf.proxy.http;

import dev.wharf.proxy.ProxySettings;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.pool.BackendPools;
import dev.wharf.proxy.route.BackendChooser;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.RouteCache;

/**
 * What every client connection shares: settings, the route cache, dead marks, backend pools, the access log,
 * metrics, and whether the proxy is draining for shutdown.
 */
public final class ProxyContext {

    final ProxySettings settings;
    final RouteCache routes;
    final DeadBackends dead;
    final BackendChooser chooser;
    final BackendPools pools;
    final AccessLog accessLog;
    final ProxyMetrics metrics;
    private volatile boolean draining;

    public ProxyContext(ProxySettings settings, RouteCache routes, DeadBackends dead, BackendPools pools,
                        AccessLog accessLog, ProxyMetrics metrics) {
        this.settings = settings;
        this.routes = routes;
        this.dead = dead;
        this.chooser = new BackendChooser(dead);
        this.pools = pools;
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

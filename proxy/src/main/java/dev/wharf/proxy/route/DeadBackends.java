package dev.wharf.proxy.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.route.BackendUrl;
import dev.wharf.store.RouteStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Marks backends dead after a connect failure or timeout: in Redis the Hipache way (so other proxies and
 * Hipache itself skip them), and in memory, so this proxy skips them at once even while Redis is away.
 */
public final class DeadBackends {

    private static final Logger log = LoggerFactory.getLogger(DeadBackends.class);

    private final RouteStore store;
    private final RouteCache cache;
    private final Duration ttl;
    private final Cache<BackendUrl, Boolean> local;
    private final ProxyMetrics metrics;

    public DeadBackends(RouteStore store, RouteCache cache, Duration ttl, ProxyMetrics metrics) {
        this.store = store;
        this.cache = cache;
        this.ttl = ttl;
        this.metrics = metrics;
        this.local = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(100_000).build();
    }

    public boolean isDead(BackendUrl backend) {
        return local.getIfPresent(backend) != null;
    }

    /** Never blocks: the Redis write goes out in the background. */
    public void mark(ResolvedRoute route, int index, String reason) {
        BackendUrl backend = route.backends().get(index);
        local.put(backend, Boolean.TRUE);
        metrics.deadMark();
        log.warn("backend {} of {} marked dead for {} s: {}", backend, route.requestHost(), ttl.toSeconds(), reason);
        String url = route.frontend().map(f -> f.backends().get(index)).orElse(backend.toString());
        String frontend = route.frontend().map(f -> f.host()).orElse(route.requestHost());
        store.markDead(route.requestHost(), frontend, url, index, route.backends().size(), ttl)
                .whenComplete((written, e) -> {
                    if (e != null) {
                        log.debug("could not record the dead mark in Redis: {}", e.getMessage());
                    } else if (!written) {
                        log.debug("no dead mark in Redis for {}: it is no longer backend {} of {}", url, index, frontend);
                    }
                });
        cache.refreshRequestHost(route.requestHost());
    }

    /**
     * A frontend changed: what this proxy believed about its backends is void. Docker gives a removed
     * container's address to the next one, so a mark by URL would otherwise black out the new container.
     */
    public void forget(java.util.Collection<BackendUrl> backends) {
        local.invalidateAll(backends);
    }
}

package dev.wharf.proxy.route;

import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.route.BackendUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Marks backends dead after a connect failure or timeout: in Redis the Hipache way (so other proxies and
 * Hipache itself skip them), and in memory, so this proxy skips them at once even while Redis is away.
 * The cached answer is refreshed by the mark's own message on Hipache's {@code dead} channel
 * ({@link RouteEvents}), the one path for this proxy's marks and everyone else's.
 */
public final class DeadBackends {

    private static final Logger log = LoggerFactory.getLogger(DeadBackends.class);

    /** Where marks are written: {@code RouteStore::markDead} in the proxy, a list in tests. */
    @FunctionalInterface
    public interface MarkWriter {
        /** True when written; false when the index no longer holds that URL. */
        CompletionStage<Boolean> markDead(String requestHost, String frontendHost, String backendUrl, int index,
                                          int backendCount, Duration ttl);
    }

    private final MarkWriter store;
    private final Duration ttl;
    /** Until when each backend is dead here (nanoTime). Asked on every request, usually empty: a plain map. */
    private final ConcurrentHashMap<BackendUrl, Long> local = new ConcurrentHashMap<>();
    private final ProxyMetrics metrics;

    public DeadBackends(MarkWriter store, Duration ttl, ProxyMetrics metrics) {
        this.store = store;
        this.ttl = ttl;
        this.metrics = metrics;
    }

    /** Marked dead by this proxy (within the TTL). */
    public boolean isDead(BackendUrl backend) {
        if (local.isEmpty()) {
            return false;
        }
        Long until = local.get(backend);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until < 0) {
            return true;
        }
        local.remove(backend, until);
        return false;
    }

    /** Never blocks: the Redis write goes out in the background. */
    public void mark(ResolvedRoute route, ResolvedRoute.Backend backend, String reason) {
        long now = System.nanoTime();
        local.values().removeIf(until -> now - until >= 0); // marks are rare: sweeping here bounds the map
        local.put(backend.url(), now + ttl.toNanos());
        metrics.deadMark();
        log.warn("backend {} of {} marked dead for {} s: {}", backend.url(), route.requestHost(), ttl.toSeconds(), reason);
        // A path route's marks are its own: dead:<requestHost><path>, indexes into frontend:<host><path>.
        String frontend = route.key();
        store.markDead(route.requestHost() + route.path(), frontend, backend.stored(), backend.index(), route.backends().size(), ttl)
                .whenComplete((written, e) -> {
                    if (e != null) {
                        log.debug("could not record the dead mark in Redis: {}", e.getMessage());
                    } else if (!written) {
                        log.debug("no dead mark in Redis for {}: it is no longer backend {} of {}",
                                backend.stored(), backend.index(), frontend);
                    }
                });
    }

    /**
     * A frontend changed: what this proxy believed about its backends is void. Docker gives a removed
     * container's address to the next one, so a mark by URL would otherwise black out the new container.
     */
    public void forget(Collection<BackendUrl> backends) {
        backends.forEach(local::remove);
    }
}

package dev.wharf.proxy.route;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.route.Candidate;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RouteStore;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Lookups by request host, cached so that a request never waits on Redis when the answer is known.
 *
 * <ul>
 *   <li>Entries, negative ones too, expire after a short TTL: routes edited with {@code redis-cli} show up
 *       without any notification.</li>
 *   <li>{@code wharf:routes} messages evict every host whose lookup order includes the changed frontend.</li>
 *   <li>While Redis is unreachable, the last answer seen for a host keeps being served; a host never seen
 *       fails fast (the caller answers 503).</li>
 * </ul>
 */
public final class RouteCache {

    private static final int MAX_HOSTS = 100_000;
    /** Last answers kept for outages: long enough to ride out a Redis restart or failover. */
    private static final Duration LAST_KNOWN_FOR = Duration.ofHours(1);

    private final RouteStore store;
    private final LookupOrder order;
    private final List<String> xipDomains;
    private final AsyncLoadingCache<String, ResolvedRoute> cache;
    private final Cache<String, ResolvedRoute> lastKnown;

    public RouteCache(RouteStore store, LookupOrder order, List<String> xipDomains, Duration ttl) {
        this.store = store;
        this.order = order;
        this.xipDomains = List.copyOf(xipDomains);
        this.lastKnown = Caffeine.newBuilder().maximumSize(MAX_HOSTS).expireAfterWrite(LAST_KNOWN_FOR).build();
        this.cache = Caffeine.newBuilder()
                .maximumSize(MAX_HOSTS)
                .expireAfterWrite(ttl)
                .buildAsync((host, executor) -> load(host));
    }

    /** Completes at once when cached; otherwise when Redis answers (or fails, and nothing is known). */
    public CompletableFuture<ResolvedRoute> resolve(String requestHost) {
        return cache.get(requestHost);
    }

    private CompletableFuture<ResolvedRoute> load(String host) {
        return store.lookup(host, order.candidates(host)).toCompletableFuture()
                .thenApply(frontend -> {
                    ResolvedRoute route = new ResolvedRoute(host, frontend);
                    lastKnown.put(host, route);
                    return route;
                })
                .exceptionallyCompose(e -> {
                    ResolvedRoute known = lastKnown.getIfPresent(host);
                    return known != null ? CompletableFuture.completedFuture(known) : CompletableFuture.failedFuture(e);
                });
    }

    /** A frontend changed: forget every request host that could resolve to it. */
    public void evictFrontend(String frontendHost) {
        // Nearly every cached host is also a last-known one: decide once per host, not once per map.
        Set<String> hosts = new HashSet<>(lastKnown.asMap().keySet());
        hosts.addAll(cache.asMap().keySet());
        for (String host : hosts) {
            if (resolvesVia(host, frontendHost)) {
                evictRequestHost(host);
                lastKnown.invalidate(host);
            }
        }
    }

    /**
     * Runs for every cached host on every route message, so the lookup order is only computed where it can
     * matter: a plain frontend is reached by its own name, or through a xip-style host; only wildcards and
     * the catch-all can be reached from anywhere.
     */
    private boolean resolvesVia(String requestHost, String frontendHost) {
        if (requestHost.equals(frontendHost)) {
            return true;
        }
        if (!frontendHost.startsWith("*") && !underXipDomain(requestHost)) {
            return false;
        }
        for (Candidate candidate : order.candidates(requestHost)) {
            if (candidate.frontend().equals(frontendHost)) {
                return true;
            }
        }
        return false;
    }

    private boolean underXipDomain(String host) {
        for (String domain : xipDomains) {
            if (host.endsWith(domain)) {
                return true;
            }
        }
        return false;
    }

    /** The last answer for every host seen (within the hour), the cached one where there is one. */
    public Map<String, ResolvedRoute> snapshot() {
        Map<String, ResolvedRoute> done = new HashMap<>(lastKnown.asMap());
        cache.asMap().forEach((host, future) -> {
            if (future.isDone() && !future.isCompletedExceptionally()) {
                done.put(host, future.join());
            }
        });
        return done;
    }

    /** Hosts cached now (for the metrics gauge and readiness). */
    public long size() {
        return cache.synchronous().estimatedSize();
    }

    public void evictRequestHost(String requestHost) {
        cache.synchronous().invalidate(requestHost);
    }

    /** After a lost pub/sub connection: messages may have been missed. */
    public void clear() {
        cache.synchronous().invalidateAll();
    }
}

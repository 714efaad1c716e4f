package dev.wharf.proxy.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Candidate;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.LookupOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lookups by request host, cached so that a request never waits on Redis when an answer is known. One class over
 * 250 lines: every rule below reads and replaces the same cached entries, under the same counter of changes.
 *
 * <ul>
 *   <li>An answer, a negative one too, is fresh for the TTL; after that it is still served at once while
 *       a refresh runs in the background (stale-while-revalidate), so routes edited with {@code redis-cli}
 *       show up without any notification and a slow or hung Redis never delays a known host.</li>
 *   <li>{@code wharf:routes} messages void every host whose lookup order includes the changed frontend: its
 *       next request waits for the new answer; the old one is kept only for the case Redis does not answer (a
 *       failover publishes the agents' rewrites before every command works again), so a change never turns a
 *       known host into a 503.</li>
 *   <li>A host never seen waits for Redis at most {@link #LOOKUP_TIMEOUT}; while Redis is failing, such
 *       hosts fail at once (the caller answers 503) and one lookup at a time probes whether it is back.</li>
 *   <li>For {@link #RECONNECT_GRACE} after a reconnect, a refresh that finds no route where there were routes is
 *       not believed: Redis may be back empty or failed over to a replica that missed writes, and the agents
 *       write everything again within about a second (their writes void the answer, and what they write is then
 *       believed). A route removed during those seconds is served that much longer.</li>
 *   <li>A failure is logged once when Redis stops answering and once when it answers again.</li>
 * </ul>
 */
public final class RouteCache {

    private static final Logger log = LoggerFactory.getLogger(RouteCache.class);
    private static final int MAX_HOSTS = 100_000;
    /** Last answers kept for outages: long enough to ride out a Redis restart or failover. */
    private static final Duration LAST_KNOWN_FOR = Duration.ofHours(1);
    /** Redis answers a lookup in well under a millisecond; anything near this means it is not answering. */
    static final Duration LOOKUP_TIMEOUT = Duration.ofMillis(500);
    /** How long after a reconnect an answer without routes is not believed over one with routes. */
    static final Duration RECONNECT_GRACE = Duration.ofSeconds(5);

    /** Where answers come from: {@code RouteStore::lookup} in the proxy, a map in tests and fuzzing. */
    @FunctionalInterface
    public interface Lookup {
        CompletionStage<LookupAnswer> lookup(String requestHost, List<Candidate> candidates);
    }

    /**
     * An answer, with the completed future every request for it shares (nothing allocated per request).
     *
     * @param voided the route changed since: never served while Redis answers, only when it does not
     */
    private record Known(HostRoutes routes, CompletableFuture<HostRoutes> done, long loadedNanos, boolean voided) {
        Known(HostRoutes routes, long loadedNanos) {
            this(routes, CompletableFuture.completedFuture(routes), loadedNanos, false);
        }

        Known stale() {
            return new Known(routes, done, Long.MIN_VALUE / 2, voided);
        }

        Known asVoided() {
            return new Known(routes, done, Long.MIN_VALUE / 2, true);
        }
    }

    private final Lookup store;
    private final LookupOrder order;
    private final List<String> xipDomains;
    private final long ttlNanos;
    private final long graceNanos;
    private volatile long reconnectedNanos = System.nanoTime() - Long.MAX_VALUE / 4;
    private final Cache<String, Known> known;
    private final ConcurrentMap<String, CompletableFuture<HostRoutes>> loading = new ConcurrentHashMap<>();
    /** Bumped by every drop: a lookup that was under way meanwhile may carry the old answer, so it is not kept. */
    private final AtomicLong drops = new AtomicLong();
    private volatile boolean failing;

    public RouteCache(Lookup store, LookupOrder order, List<String> xipDomains, Duration ttl) {
        this(store, order, xipDomains, ttl, RECONNECT_GRACE);
    }

    RouteCache(Lookup store, LookupOrder order, List<String> xipDomains, Duration ttl, Duration reconnectGrace) {
        this.graceNanos = reconnectGrace.toNanos();
        this.store = store;
        this.order = order;
        this.xipDomains = List.copyOf(xipDomains);
        this.ttlNanos = ttl.toNanos();
        this.known = Caffeine.newBuilder().maximumSize(MAX_HOSTS).expireAfterWrite(LAST_KNOWN_FOR).build();
    }

    /** Completes at once when an answer is known; otherwise when Redis answers, fails or times out. */
    public CompletableFuture<HostRoutes> resolve(String requestHost) {
        Known answer = known.getIfPresent(requestHost);
        if (answer != null && answer.voided()) {
            CompletableFuture<HostRoutes> fresh = load(requestHost);
            return failing ? answer.done() : fresh; // while Redis is failing, not even a wait for the timeout
        }
        if (answer != null) {
            if (System.nanoTime() - answer.loadedNanos() >= ttlNanos) {
                load(requestHost);
            }
            return answer.done();
        }
        if (failing && !loading.isEmpty()) {
            return CompletableFuture.failedFuture(new RouteStoreUnavailable("Redis is not answering"));
        }
        return load(requestHost);
    }

    /** One lookup per host at a time; whoever asks meanwhile shares it. */
    private CompletableFuture<HostRoutes> load(String host) {
        CompletableFuture<HostRoutes> mine = new CompletableFuture<>();
        CompletableFuture<HostRoutes> underWay = loading.putIfAbsent(host, mine);
        if (underWay != null) {
            return underWay;
        }
        long dropsBefore = drops.get();
        store.lookup(host, order.candidates(host)).toCompletableFuture()
                .orTimeout(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((answer, error) -> {
                    loading.remove(host, mine);
                    if (error == null) {
                        HostRoutes route = new HostRoutes(host, answer);
                        Known before = known.getIfPresent(host);
                        if (lostSinceReconnect(route, before)) {
                            known.put(host, new Known(before.routes(), before.done(), System.nanoTime(), false));
                            answering();
                            mine.complete(before.routes());
                            return;
                        }
                        if (drops.get() == dropsBefore) { // else a change came meanwhile, and voided its hosts
                            known.put(host, new Known(route, System.nanoTime()));
                        }
                        answering();
                        mine.complete(route);
                        return;
                    }
                    notAnswering(error);
                    Known last = known.getIfPresent(host);
                    if (last != null) {
                        mine.complete(last.routes());
                    } else {
                        mine.completeExceptionally(new RouteStoreUnavailable(describe(error)));
                    }
                });
        return mine;
    }

    /** An answer without routes, for a host that had some, soon after a reconnect, with no route message since. */
    private boolean lostSinceReconnect(HostRoutes fresh, Known last) {
        return fresh.routes().isEmpty() && last != null && !last.voided() && !last.routes().routes().isEmpty()
                && System.nanoTime() - reconnectedNanos < graceNanos;
    }

    private void answering() {
        if (failing) {
            failing = false;
            log.info("route store answers again");
        }
    }

    private void notAnswering(Throwable error) {
        if (!failing) {
            failing = true;
            log.warn("route store not answering ({}); serving the last known routes, unknown hosts get 503",
                    describe(error));
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "no answer within " + LOOKUP_TIMEOUT.toMillis() + " ms";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /**
     * A frontend changed: forget every request host that could resolve to it. Returns the backends the
     * frontend had in those answers, so that what is believed about them can be forgotten too.
     */
    public Set<BackendUrl> evictFrontend(String frontendHost) {
        Set<BackendUrl> backends = new HashSet<>();
        known.asMap().forEach((host, answer) -> {
            if (resolvesVia(host, frontendHost)) {
                if (frontendHost.equals(answer.routes().frontendHost())) {
                    for (ResolvedRoute route : answer.routes().routes()) {
                        route.backends().stream().filter(ResolvedRoute.Backend::usable)
                                .forEach(backend -> backends.add(backend.url()));
                    }
                }
                drop(host);
            }
        });
        return backends;
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

    /** The last answer for every host seen (within the hour). */
    public Map<String, HostRoutes> snapshot() {
        Map<String, HostRoutes> done = new HashMap<>();
        known.asMap().forEach((host, answer) -> done.put(host, answer.routes()));
        return done;
    }

    /** Hosts with a known answer (for the metrics gauge and readiness). */
    public long size() {
        return known.estimatedSize();
    }

    /**
     * The host's dead marks changed: its answer is refreshed at its next request, which is still served the
     * current one (this proxy's own marks apply at once; another proxy's after that refresh).
     */
    public void refreshRequestHost(String requestHost) {
        known.asMap().computeIfPresent(requestHost, (host, answer) -> answer.stale());
    }

    /**
     * After a lost pub/sub connection messages may have been missed: every answer is refreshed at its next
     * request, and served meanwhile; dropping them would turn a Redis blip into 503s.
     */
    public void refreshAll() {
        reconnectedNanos = System.nanoTime();
        known.asMap().replaceAll((host, answer) -> answer.stale());
    }

    /** Voids the host's answer; a lookup under way meanwhile may carry the old one, so it is not kept either. */
    private void drop(String host) {
        drops.incrementAndGet();
        known.asMap().computeIfPresent(host, (h, last) -> last.asVoided());
    }

    /** Why a host never seen cannot be looked up now. */
    public static final class RouteStoreUnavailable extends RuntimeException {
        RouteStoreUnavailable(String reason) {
            super(reason, null, false, false);
        }
    }
}

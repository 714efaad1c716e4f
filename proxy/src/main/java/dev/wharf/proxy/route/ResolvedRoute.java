package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Frontend;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.route.RouteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * One route as looked up: a frontend ({@code frontend:<host>} or a path route {@code frontend:<host><path>}),
 * its backends parsed once, its options validated once, and a round-robin position shared by every request
 * that hits this cache entry.
 */
public final class ResolvedRoute {

    private static final Logger log = LoggerFactory.getLogger(ResolvedRoute.class);
    /** Bad hand-written options already reported, so that a cache refresh does not repeat the line. */
    private static final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * One entry of the frontend's list.
     *
     * @param index      its position among the backends (what Hipache's {@code dead:} set holds)
     * @param stored     the string as stored in Redis
     * @param url        the parsed URL, or null when a hand-written entry cannot be used
     * @param markedDead marked dead in Redis for the request host when it was looked up
     * @param token      names the backend in a sticky-session cookie without revealing its address
     */
    public record Backend(int index, String stored, BackendUrl url, boolean markedDead, String token) {
        public boolean usable() {
            return url != null;
        }
    }

    private final String requestHost;
    private final Frontend frontend;
    private final String key;
    private final RouteOptions options;
    private final List<Backend> backends;
    private final AtomicInteger next = new AtomicInteger();

    public ResolvedRoute(String requestHost, Frontend frontend) {
        this.requestHost = requestHost;
        this.frontend = frontend;
        this.key = frontend.key();
        this.backends = parse(frontend);
        this.options = options(frontend);
    }

    private static List<Backend> parse(Frontend frontend) {
        List<Backend> parsed = new ArrayList<>(frontend.backends().size());
        for (int i = 0; i < frontend.backends().size(); i++) {
            String stored = frontend.backends().get(i);
            BackendUrl url = null;
            try {
                url = BackendUrl.parse(stored);
            } catch (InvalidRouteException e) {
                log.warn("frontend:{} has an unusable backend, skipped: {}", frontend.key(), e.getMessage());
            }
            parsed.add(new Backend(i, stored, url, frontend.isDead(i), token(stored)));
        }
        return Collections.unmodifiableList(parsed);
    }

    /** Options as stored, re-validated: a bad hand-written one is dropped with one log line, the route works on. */
    private static RouteOptions options(Frontend frontend) {
        if (frontend.options().isEmpty()) {
            return RouteOptions.NONE;
        }
        RouteOptions.Parsed parsed = RouteOptions.parse(frontend.options());
        parsed.problems().forEach((field, problem) -> {
            if (reported.size() < 10_000 && reported.add(frontend.key() + "\n" + field + "\n" + frontend.options().get(field))) {
                log.warn("wharf:options:{} field '{}' ignored: {}", frontend.key(), field, problem);
            }
        });
        return parsed.options();
    }

    /** 64-bit FNV-1a of the stored URL, in hex: stable across proxies and restarts. */
    private static String token(String stored) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < stored.length(); i++) {
            hash = (hash ^ stored.charAt(i)) * 0x100000001b3L;
        }
        return Long.toHexString(hash);
    }

    public String requestHost() {
        return requestHost;
    }

    public Frontend frontend() {
        return frontend;
    }

    /** {@code <host><path>}: what {@code frontend:} is followed by in its key, and the route's name in metrics. */
    public String key() {
        return key;
    }

    /** The frontend host that matched (without the path). */
    public String frontendHost() {
        return frontend.host();
    }

    /** The path prefix of a path route, or {@code ""}. */
    public String path() {
        return frontend.path();
    }

    public RouteOptions options() {
        return options;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** The usable backend a sticky cookie names, or null. */
    public Backend byToken(String token) {
        for (Backend backend : backends) {
            if (backend.usable() && backend.token().equals(token)) {
                return backend;
            }
        }
        return null;
    }

    /**
     * The next backend by the route's balancing method that is usable, not tried yet for this request, and not
     * marked dead (in Redis, or here by {@code deadHere}); null when none is left. When every backend left is
     * marked dead, one of them is picked anyway: a mark can be wrong (a request that met the app before it
     * listened, a container replaced at the same address), and a live app must not answer 502 for the mark's
     * whole TTL. nginx never marks its last upstream down; this goes one further.
     *
     * @param tried    indexes already tried for this request, or null for none
     * @param inFlight requests under way per backend, asked only for {@code least-conn}
     */
    public Backend pick(BitSet tried, Predicate<BackendUrl> deadHere, ToIntFunction<BackendUrl> inFlight) {
        int count = backends.size();
        if (count == 0) {
            return null;
        }
        int start = switch (options.lb()) {
            case RANDOM -> ThreadLocalRandom.current().nextInt(count);
            default -> (next.getAndIncrement() & Integer.MAX_VALUE) % count;
        };
        boolean leastConn = options.lb() == RouteOptions.Balance.LEAST_CONN;
        Backend best = null;
        int bestLoad = Integer.MAX_VALUE;
        Backend markedDead = null;
        for (int i = 0; i < count; i++) {
            Backend backend = backends.get((start + i) % count);
            if (!backend.usable() || (tried != null && tried.get(backend.index()))) {
                continue;
            }
            if (backend.markedDead() || deadHere.test(backend.url())) {
                markedDead = markedDead == null ? backend : markedDead;
                continue;
            }
            if (!leastConn) {
                return backend;
            }
            int load = inFlight.applyAsInt(backend.url());
            if (load < bestLoad) {
                best = backend;
                bestLoad = load;
            }
        }
        return best != null ? best : markedDead;
    }
}

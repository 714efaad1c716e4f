package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Frontend;
import dev.wharf.route.InvalidRouteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The answer of one lookup: the frontend a request host maps to (or none), its backends parsed once, and a
 * round-robin position shared by every request that hits this cache entry.
 */
public final class ResolvedRoute {

    private static final Logger log = LoggerFactory.getLogger(ResolvedRoute.class);

    /**
     * One entry of the frontend's list.
     *
     * @param index      its position among the backends (what Hipache's {@code dead:} set holds)
     * @param stored     the string as stored in Redis
     * @param url        the parsed URL, or null when a hand-written entry cannot be used
     * @param markedDead marked dead in Redis for the request host when it was looked up
     */
    public record Backend(int index, String stored, BackendUrl url, boolean markedDead) {
        public boolean usable() {
            return url != null;
        }
    }

    private final String requestHost;
    private final Frontend frontend;
    private final List<Backend> backends;
    private final AtomicInteger next = new AtomicInteger();

    public ResolvedRoute(String requestHost, Optional<Frontend> frontend) {
        this.requestHost = requestHost;
        this.frontend = frontend.orElse(null);
        this.backends = frontend.map(ResolvedRoute::parse).orElse(List.of());
    }

    private static List<Backend> parse(Frontend frontend) {
        List<Backend> parsed = new ArrayList<>(frontend.backends().size());
        for (int i = 0; i < frontend.backends().size(); i++) {
            String stored = frontend.backends().get(i);
            BackendUrl url = null;
            try {
                url = BackendUrl.parse(stored);
            } catch (InvalidRouteException e) {
                log.warn("frontend:{} has an unusable backend, skipped: {}", frontend.host(), e.getMessage());
            }
            parsed.add(new Backend(i, stored, url, frontend.isDead(i)));
        }
        return Collections.unmodifiableList(parsed);
    }

    public String requestHost() {
        return requestHost;
    }

    public Optional<Frontend> frontend() {
        return Optional.ofNullable(frontend);
    }

    /** The frontend that matched, or null when none did. */
    public String frontendHost() {
        return frontend == null ? null : frontend.host();
    }

    public List<Backend> backends() {
        return backends;
    }

    /**
     * The next backend round-robin that is usable, not tried yet for this request, and not marked dead (in
     * Redis, or here by {@code deadHere}); null when none is left. When every backend left is marked dead, one
     * of them is picked anyway: a mark can be wrong (a request that met the app before it listened, a
     * container replaced at the same address), and a live app must not answer 502 for the mark's whole TTL.
     * nginx never marks its last upstream down; this goes one further.
     *
     * @param tried indexes already tried for this request, or null for none
     */
    public Backend pick(BitSet tried, Predicate<BackendUrl> deadHere) {
        int count = backends.size();
        if (count == 0) {
            return null;
        }
        int start = (next.getAndIncrement() & Integer.MAX_VALUE) % count;
        Backend markedDead = null;
        for (int i = 0; i < count; i++) {
            Backend backend = backends.get((start + i) % count);
            if (!backend.usable() || (tried != null && tried.get(backend.index()))) {
                continue;
            }
            if (!backend.markedDead() && !deadHere.test(backend.url())) {
                return backend;
            }
            markedDead = markedDead == null ? backend : markedDead;
        }
        return markedDead;
    }
}

package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Frontend;
import dev.wharf.route.InvalidRouteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The answer of one lookup: the frontend a request host maps to (or none), with its backends parsed once
 * and a round-robin position shared by every request that hits this cache entry.
 */
public final class ResolvedRoute {

    private static final Logger log = LoggerFactory.getLogger(ResolvedRoute.class);

    private final String requestHost;
    private final Frontend frontend;
    private final List<BackendUrl> backends;
    private final AtomicInteger next = new AtomicInteger();

    ResolvedRoute(String requestHost, Optional<Frontend> frontend) {
        this.requestHost = requestHost;
        this.frontend = frontend.orElse(null);
        this.backends = frontend.map(ResolvedRoute::parse).orElse(List.of());
    }

    /** Parsed backends, same positions as in Redis; null where a hand-written URL cannot be used. */
    private static List<BackendUrl> parse(Frontend frontend) {
        List<BackendUrl> parsed = new ArrayList<>(frontend.backends().size());
        for (String url : frontend.backends()) {
            try {
                parsed.add(BackendUrl.parse(url));
            } catch (InvalidRouteException e) {
                log.warn("frontend:{} has an unusable backend, skipped: {}", frontend.host(), e.getMessage());
                parsed.add(null);
            }
        }
        return Collections.unmodifiableList(parsed);
    }

    public String requestHost() {
        return requestHost;
    }

    public Optional<Frontend> frontend() {
        return Optional.ofNullable(frontend);
    }

    public List<BackendUrl> backends() {
        return backends;
    }

    /** Where round-robin starts for the next request. */
    int nextStart() {
        return next.getAndIncrement() & Integer.MAX_VALUE;
    }
}

package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests under way per backend across every event loop, for {@code lb=least-conn} routes (only their
 * requests are counted). A backend's entry goes when its count is back to zero.
 */
public final class InFlight {

    private final ConcurrentHashMap<BackendUrl, Integer> counts = new ConcurrentHashMap<>();

    public int count(BackendUrl backend) {
        return counts.getOrDefault(backend, 0);
    }

    public void started(BackendUrl backend) {
        counts.merge(backend, 1, Integer::sum);
    }

    public void ended(BackendUrl backend) {
        counts.computeIfPresent(backend, (b, count) -> count <= 1 ? null : count - 1);
    }
}

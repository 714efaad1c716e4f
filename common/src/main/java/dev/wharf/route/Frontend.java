package dev.wharf.route;

import java.util.List;
import java.util.Set;

/**
 * A {@code frontend:<host>} list as stored, with the dead marks that apply to it.
 *
 * <p>Backends stay raw strings because the list may have been written by hand or by other tools:
 * a reader parses each with {@link BackendUrl#parse} and skips the bad ones, while list positions
 * (which {@code dead:} indexes refer to) stay intact.
 *
 * @param host       the frontend that matched, e.g. {@code *.example.com}
 * @param identifier the first list element, a label for logs only
 * @param backends   the backend URLs, in list order (index 0 is list position 1)
 * @param dead       0-based indexes into {@code backends} marked dead for the request host
 */
public record Frontend(String host, String identifier, List<String> backends, Set<Integer> dead) {

    public Frontend {
        backends = List.copyOf(backends);
        dead = Set.copyOf(dead);
    }

    public boolean isDead(int index) {
        return dead.contains(index);
    }
}

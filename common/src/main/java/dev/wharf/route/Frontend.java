package dev.wharf.route;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code frontend:<host>} list as stored, with the dead marks that apply to it.
 *
 * <p>Backends stay raw strings because the list may have been written by hand or by other tools:
 * a reader parses each with {@link BackendUrl#parse} and skips the bad ones, while list positions
 * (which {@code dead:} indexes refer to) stay intact.
 *
 * @param host       the frontend that matched, e.g. {@code *.example.com}
 * @param path       the path prefix of a path route ({@code frontend:<host><path>}), or {@code ""}
 * @param identifier the first list element, a label for logs only
 * @param backends   the backend URLs, in list order (index 0 is list position 1)
 * @param dead       0-based indexes into {@code backends} marked dead for the request host
 * @param options    the route's {@code wharf:options:} fields as stored (unvalidated)
 */
public record Frontend(String host, String path, String identifier, List<String> backends, Set<Integer> dead,
                       Map<String, String> options) {

    public Frontend {
        backends = List.copyOf(backends);
        dead = Set.copyOf(dead);
        options = Map.copyOf(options);
    }

    /** A plain Hipache frontend: the whole host, no options. */
    public Frontend(String host, String identifier, List<String> backends, Set<Integer> dead) {
        this(host, RoutePaths.WHOLE_HOST, identifier, backends, dead, Map.of());
    }

    /** The key suffix after {@code frontend:}: the host, and the path of a path route. */
    public String key() {
        return host + path;
    }

    public boolean isDead(int index) {
        return dead.contains(index);
    }
}

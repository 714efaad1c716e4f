package dev.wharf.agent.routing;

import java.util.List;
import java.util.Set;

/**
 * The routes a container should have now, and the warnings to log about it (once).
 * An empty route set with a warning means the container was skipped because of bad input.
 */
public record Decision(Set<Route> routes, List<String> warnings) {

    public Decision {
        routes = Set.copyOf(routes);
        warnings = List.copyOf(warnings);
    }

    public static Decision none() {
        return new Decision(Set.of(), List.of());
    }

    static Decision skipped(String warning) {
        return new Decision(Set.of(), List.of(warning));
    }
}

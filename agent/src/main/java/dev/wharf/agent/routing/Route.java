package dev.wharf.agent.routing;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.RouteOptions;
import dev.wharf.route.RoutePaths;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One backend of one route, as the agent writes it: {@code frontend:<host><path>} holds {@code backend}, and
 * {@code wharf:options:<host><path>} the options. A route is named by host, path and backend; its options travel
 * with it but do not name it, so a change of options never reads as a route to remove and one to add.
 */
public record Route(String host, String path, BackendUrl backend, Map<String, String> options) {

    public Route {
        options = Map.copyOf(options);
    }

    /** A whole-host route without options. */
    public Route(String host, BackendUrl backend) {
        this(host, RoutePaths.WHOLE_HOST, backend, Map.of());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Route that && host.equals(that.host) && path.equals(that.path) && backend.equals(that.backend);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, path, backend);
    }

    @Override
    public String toString() {
        if (options.isEmpty()) {
            return host + path + " -> " + backend;
        }
        Map<String, String> shown = new TreeMap<>(options);
        shown.computeIfPresent(RouteOptions.AUTH, (name, users) -> "(" + users.split(",").length + " user(s))");
        return host + path + " -> " + backend + " " + shown;
    }
}

package dev.wharf.agent.routing;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The routes a container should have now, the warnings to log about it (once), and, when it asks for hosts but
 * gets no route, why not.
 *
 * @param askedHosts the hosts its labels ask for (best effort when the labels are invalid)
 * @param whyNot     why it has no route, in words fit for a public error page ("is unhealthy": no address, no
 *                   label value), or null when it is routed or asks for nothing
 */
public record Decision(Set<Route> routes, List<String> warnings, Set<String> askedHosts, String whyNot) {

    public Decision {
        routes = Set.copyOf(routes);
        warnings = List.copyOf(warnings);
        askedHosts = Set.copyOf(askedHosts);
    }

    /** Routed (or, with no routes, asking for nothing). */
    public Decision(Set<Route> routes, List<String> warnings) {
        this(routes, warnings, hostsOf(routes), null);
    }

    private static Set<String> hostsOf(Set<Route> routes) {
        Set<String> hosts = new LinkedHashSet<>();
        routes.forEach(route -> hosts.add(route.host()));
        return hosts;
    }

    public static Decision none() {
        return new Decision(Set.of(), List.of());
    }

    static Decision notRouted(Set<String> askedHosts, String whyNot, List<String> warnings) {
        return new Decision(Set.of(), warnings, askedHosts, whyNot);
    }
}

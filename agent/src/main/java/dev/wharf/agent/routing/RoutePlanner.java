package dev.wharf.agent.routing;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Hosts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Decides the routes a container should have now (SPEC §2). Pure: same snapshot, same decision. */
public final class RoutePlanner {

    private final RoutingSettings settings;

    public RoutePlanner(RoutingSettings settings) {
        this.settings = settings;
    }

    public Decision plan(ContainerSnapshot container) {
        if (!RoutingLabels.asks(container)) {
            return Decision.none();
        }
        String idle = idle(container);
        if (idle != null) {
            return Decision.notRouted(RoutingLabels.askedHosts(container), idle, List.of());
        }
        List<String> warnings = new ArrayList<>();
        try {
            RoutingLabels labels = RoutingLabels.parse(container);
            Set<Route> routes = new LinkedHashSet<>();
            for (RoutingLabels.Spec spec : labels.routes()) {
                BackendUrl backend = BackendAddress.choose(container, spec, labels, settings, warnings);
                for (String host : spec.hosts()) {
                    routes.add(new Route(host, spec.path(), backend, spec.options()));
                    if (Hosts.isShortName(host)) {
                        settings.domains().forEach(domain ->
                                routes.add(new Route(host + "." + domain, spec.path(), backend, spec.options())));
                    }
                }
            }
            return new Decision(routes, warnings.stream().distinct().map(w -> describe(container, w)).toList());
        } catch (LabelException e) {
            // Only a container left without a route needs its hosts read apart from its routes (leniently).
            return Decision.notRouted(RoutingLabels.askedHosts(container), e.publicReason(),
                    List.of(describe(container, e.getMessage() + "; not routed")));
        }
    }

    /** Why a container that asks for routes gets none in its current state, or null when it may have them. */
    private static String idle(ContainerSnapshot container) {
        if (!RoutingLabels.wanted(container)) {
            return "is opted out (" + RoutingLabels.ENABLE + "=false)";
        }
        if (!container.running()) {
            return "is not running";
        }
        if (container.paused()) {
            return "is paused";
        }
        return switch (container.health()) {
            case STARTING -> "is starting (its health check has not passed yet)";
            case UNHEALTHY -> "is unhealthy";
            default -> null;
        };
    }

    private static String describe(ContainerSnapshot container, String problem) {
        return "container " + container.name() + " (" + container.shortId() + "): " + problem;
    }
}

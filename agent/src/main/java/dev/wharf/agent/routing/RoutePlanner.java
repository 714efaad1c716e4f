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
        if (!RoutingLabels.wanted(container) || !container.ready()) {
            return Decision.none();
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
            return Decision.skipped(describe(container, e.getMessage() + "; not routed"));
        }
    }

    private static String describe(ContainerSnapshot container, String problem) {
        return "container " + container.name() + " (" + container.shortId() + "): " + problem;
    }
}

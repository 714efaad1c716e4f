package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

import java.util.Set;

/** What an agent wrote for one container, as kept in its {@code wharf:agent:<id>} record. */
public record OwnedRoutes(String container, Set<Route> routes) {

    public OwnedRoutes {
        routes = Set.copyOf(routes);
    }
}

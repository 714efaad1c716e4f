package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;

import java.util.Map;
import java.util.Set;

/**
 * What one container's convergence writes, in the order an {@link AgentStore} applies it: the record grows to name
 * every route about to be written, routes are ensured, routes are removed, then the record shrinks to what stays or
 * goes. A crash in between leaves a record naming a route that is not there (harmless), never a route nobody owns.
 *
 * @param name   the container's name, for its record and the log
 * @param widen  the record to write before any route, or null when the one in Redis already names them all
 * @param ensure routes to add; every wanted route, each time (adding a listed backend changes nothing, and a route
 *               lost from Redis comes back)
 * @param remove routes to remove
 * @param kept   routes this container no longer has that another container still holds, with that container's name:
 *               they stay
 * @param narrow the record to write after the removals, or null when it stays as widened (or is forgotten)
 * @param forget true when the record goes after the removals
 * @param status the container's routing decision to record ("why not routed?"), or null when the container is gone
 *               and so is its status
 */
public record Change(String name, OwnedRoutes widen, Set<Route> ensure, Set<Route> remove, Map<Route, String> kept,
                     OwnedRoutes narrow, boolean forget, Decision status) {

    public Change {
        ensure = Set.copyOf(ensure);
        remove = Set.copyOf(remove);
        kept = Map.copyOf(kept);
    }

    /** True when applying it writes no route and no record (a status may still be written, if it changed). */
    public boolean routesUnchanged() {
        return widen == null && remove.isEmpty() && narrow == null && !forget;
    }
}

package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

/** The writes a reconcile makes: to Redis, or (with {@code --dry-run}) only to the log. */
public interface RouteWrites {

    /** Adds the backend to its frontend; true when the frontend changed. */
    boolean add(Route route);

    /** Removes the backend from its frontend; true when the frontend changed. */
    boolean remove(Route route);

    /** True when the route's frontend lists a backend other than the route's own (whoever wrote it). */
    boolean hasOtherBackends(Route route);

    void record(String containerId, OwnedRoutes owned);

    void forget(String containerId);

    /** False when {@link #record} writes nothing that could later be found missing (a dry run). */
    default boolean keepsRecords() {
        return true;
    }

    /** Says this agent is alive (after each full reconcile). */
    void heartbeat();
}

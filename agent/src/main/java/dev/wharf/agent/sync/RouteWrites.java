package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;

import java.util.Set;

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

    /** Records whether an existing container with routing labels is routed, and why not ("why not routed?"). */
    default void status(String containerId, String name, Decision decision) {
    }

    /** Forgets a destroyed container's status. */
    default void statusGone(String containerId) {
    }

    /** Containers whose status is recorded. */
    default Set<String> statusIds() {
        return Set.of();
    }

    /** Redis lost what was written: statuses are written again, not assumed. */
    default void statusesLost() {
    }
}

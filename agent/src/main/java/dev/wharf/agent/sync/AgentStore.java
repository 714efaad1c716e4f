package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Where the reconciler keeps routes and what it owns: Redis ({@link RedisAgentStore}), a dry run that only says
 * what it would write ({@link DryRunStore}), or an in-memory fake in tests. Called from one thread.
 */
public interface AgentStore {

    /** This agent's record of every container it wrote routes for. */
    Map<String, OwnedRoutes> owned();

    Optional<OwnedRoutes> owned(String containerId);

    /**
     * Writes one container's change in its crash-safe order (see {@link Change}). Returns at once, so that the
     * changes of many containers are under way together; completes with what changed in the frontends.
     */
    CompletionStage<Applied> apply(String containerId, Change change);

    /** Says this agent is alive (after each full reconcile). */
    void heartbeat();

    /** True when the route's frontend lists a backend other than the route's own (whoever wrote it). */
    boolean hasOtherBackends(Route route);

    /** Containers whose routing status is recorded, routed or not. */
    Set<String> statusIds();

    /**
     * True when what this agent wrote is gone from the store (Redis emptied, restarted without persistence, failed
     * over to an empty replica): everything must be written again.
     */
    boolean lostItsState();

    /** The routes whose frontend an {@link #apply} changed: added where not listed, removed where listed. */
    record Applied(Set<Route> added, Set<Route> removed) {

        public Applied {
            added = Set.copyOf(added);
            removed = Set.copyOf(removed);
        }
    }
}

package dev.wharf.agent.sync;

import dev.wharf.agent.AgentMetrics;
import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.agent.routing.RoutePlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converges Redis to the containers. Each step re-inspects the container and compares what it should have
 * with what this agent recorded for it, so events may come late, twice or out of order without harm.
 *
 * <p>Order of writes: the record grows before a route is added and shrinks after a route is removed, so a
 * crash in between leaves a record naming a route that is not there (harmless), never a route nobody owns.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final DockerEngine docker;
    private final RoutePlanner planner;
    private final AgentRecords records;
    private final RouteWrites writes;
    private final AgentMetrics metrics;
    private final Map<String, List<String>> warnings = new ConcurrentHashMap<>();

    public Reconciler(DockerEngine docker, RoutePlanner planner, AgentRecords records, RouteWrites writes,
                      AgentMetrics metrics) {
        this.docker = docker;
        this.planner = planner;
        this.records = records;
        this.writes = writes;
        this.metrics = metrics;
    }

    /** Every running container gets its routes; every route recorded for another container goes. */
    public void reconcileAll() {
        Map<String, OwnedRoutes> owned = records.all();
        Set<String> seen = new HashSet<>();
        for (String id : docker.runningContainerIds()) {
            seen.add(id);
            converge(id, docker.inspect(id), Optional.ofNullable(owned.get(id)));
        }
        for (Map.Entry<String, OwnedRoutes> gone : owned.entrySet()) {
            if (!seen.contains(gone.getKey())) {
                converge(gone.getKey(), docker.inspect(gone.getKey()), Optional.of(gone.getValue()));
            }
        }
        warnings.keySet().retainAll(seen);
        writes.heartbeat();
    }

    /** One container, after an event about it. */
    public void converge(String containerId) {
        converge(containerId, docker.inspect(containerId), records.get(containerId));
    }

    /** {@code --deregister-on-exit}: removes every route this agent recorded, and the records. */
    public void deregisterAll() {
        records.all().forEach((id, owned) -> {
            owned.routes().forEach(route -> removed(route, owned.container()));
            writes.forget(id);
        });
    }

    /** The current warning of each container skipped or guessed about, for operators and tests. */
    public Map<String, List<String>> warnings() {
        return Map.copyOf(warnings);
    }

    private void converge(String id, Optional<ContainerSnapshot> container, Optional<OwnedRoutes> owned) {
        Decision decision = container.map(planner::plan).orElse(Decision.none());
        report(id, decision.warnings());
        Set<Route> want = decision.routes();
        Set<Route> had = owned.map(OwnedRoutes::routes).orElse(Set.of());
        String name = container.map(ContainerSnapshot::name).or(() -> owned.map(OwnedRoutes::container)).orElse(id);

        Set<Route> both = new HashSet<>(had);
        both.addAll(want);
        if (!both.equals(had)) {
            writes.record(id, new OwnedRoutes(name, both));
        }
        for (Route route : want) {
            if (writes.add(route)) {
                metrics.routeAdded();
                log.info("+ {} (container {})", route, name);
            }
        }
        for (Route route : had) {
            if (!want.contains(route)) {
                removed(route, name);
            }
        }
        if (want.isEmpty() && owned.isPresent()) {
            writes.forget(id);
        } else if (!want.equals(both)) {
            writes.record(id, new OwnedRoutes(name, want));
        }
    }

    private void removed(Route route, String container) {
        if (writes.remove(route)) {
            metrics.routeRemoved();
            log.info("- {} (container {})", route, container);
        }
    }

    /** Logs a container's warnings once, not at every event and resync. */
    private void report(String id, List<String> current) {
        List<String> previous = current.isEmpty() ? warnings.remove(id) : warnings.put(id, current);
        if (!current.equals(previous)) {
            current.forEach(log::warn);
        }
    }
}

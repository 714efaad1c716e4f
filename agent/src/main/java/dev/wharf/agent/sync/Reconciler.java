package dev.wharf.agent.sync;

import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.agent.routing.RoutePlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Converges Redis to the containers. Each step re-inspects the container and compares what it should have
 * with what this agent recorded for it, so events may come late, twice or out of order without harm.
 *
 * <p>Order of writes: the record grows before a route is added and shrinks after a route is removed, so a
 * crash in between leaves a record naming a route that is not there (harmless), never a route nobody owns.
 *
 * <p>A backend belongs to every record, and every running container's plan, that names it: Docker hands a
 * new container the lowest free address, very often a gone container's, so the gone one's record may name
 * the route a running one needs. A route is removed only when nothing else here still wants it.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final DockerEngine docker;
    private final RoutePlanner planner;
    private final AgentRecords records;
    private final RouteWrites writes;
    private final AgentMetrics metrics;
    private final Map<String, List<String>> warnings = new ConcurrentHashMap<>();
    /**
     * Containers told to stop that are still running: out of their routes at once, before their process exits
     * (Docker reports {@code die} only after that, when requests would already fail), so a rolling deploy
     * loses no request. Written by the events thread, read by the sync thread.
     */
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();
    /** Whether this agent's records should be in Redis now (never in a dry run: none are written). */
    private boolean recordsWritten;

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
        Map<String, Optional<ContainerSnapshot>> running = new LinkedHashMap<>();
        Map<String, Decision> plans = new HashMap<>();
        for (String id : docker.runningContainerIds()) {
            Optional<ContainerSnapshot> container = docker.inspect(id);
            running.put(id, container);
            plans.put(id, plan(id, container));
        }
        for (Map.Entry<String, Optional<ContainerSnapshot>> container : running.entrySet()) {
            String id = container.getKey();
            converge(id, container.getValue(), plans.get(id), Optional.ofNullable(owned.get(id)),
                    () -> wantedByOthers(id, plans, records.all()));
        }
        for (Map.Entry<String, OwnedRoutes> gone : owned.entrySet()) {
            String id = gone.getKey();
            if (!running.containsKey(id)) {
                Optional<ContainerSnapshot> container = docker.inspect(id);
                converge(id, container, plan(id, container), Optional.of(gone.getValue()),
                        () -> wantedByOthers(id, plans, records.all()));
            }
        }
        for (String id : writes.statusIds()) {
            if (!running.containsKey(id) && !owned.containsKey(id)) {
                // Stopped (its status says so) or destroyed while nothing was listening (its status goes).
                Optional<ContainerSnapshot> container = docker.inspect(id);
                converge(id, container, plan(id, container), Optional.empty(), Map::of);
            }
        }
        warnings.keySet().retainAll(running.keySet());
        writes.heartbeat();
        recordsWritten = writes.keepsRecords() && plans.values().stream().anyMatch(plan -> !plan.routes().isEmpty());
    }

    /**
     * True when the records this agent wrote are gone from Redis: it was emptied (FLUSHALL, restarted without
     * persistence, failed over to an empty replica) and the routes went with them. Sync thread only.
     */
    public boolean storeLostItsState() {
        boolean lost = recordsWritten && !records.exist();
        if (lost) {
            writes.statusesLost(); // they went with the records
        }
        return lost;
    }

    /** The container was sent a terminating signal: its routes go at its next convergence, before it exits. */
    public void stopping(String containerId) {
        stopping.add(containerId);
    }

    /** The container (re)started: routed again as usual. */
    public void started(String containerId) {
        stopping.remove(containerId);
    }

    /**
     * What the container should have now. A stopping one keeps only the routes it alone serves: while it
     * drains, serving from it beats answering 404 (a compose recreate stops the old container before it
     * starts the new one); they go when it exits.
     */
    private Decision plan(String id, Optional<ContainerSnapshot> container) {
        Decision decision = container.map(planner::plan).orElse(Decision.none());
        if (container.isEmpty() || !container.get().running()) {
            stopping.remove(id); // gone or exited: the usual rules apply from here on
            return decision;
        }
        if (!stopping.contains(id)) {
            return decision;
        }
        Set<Route> lastOnes = new HashSet<>();
        for (Route route : decision.routes()) {
            if (!writes.hasOtherBackends(route)) {
                lastOnes.add(route);
            }
        }
        return new Decision(lastOnes, List.of(), decision.askedHosts(), null);
    }

    /** One container, after an event about it. */
    public void converge(String containerId) {
        Optional<ContainerSnapshot> container = docker.inspect(containerId);
        converge(containerId, container, plan(containerId, container), records.get(containerId),
                () -> wantedByOthers(containerId, Map.of(), records.all()));
    }

    /** Each route another container wants (running, by its plan) or holds (by its record), with that container. */
    private static Map<Route, String> wantedByOthers(String id, Map<String, Decision> plans, Map<String, OwnedRoutes> owned) {
        Map<Route, String> wanted = new HashMap<>();
        owned.forEach((other, record) -> {
            if (!other.equals(id)) {
                record.routes().forEach(route -> wanted.put(route, record.container()));
            }
        });
        plans.forEach((other, plan) -> {
            if (!other.equals(id)) {
                plan.routes().forEach(route -> wanted.putIfAbsent(route, other));
            }
        });
        return wanted;
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

    private void converge(String id, Optional<ContainerSnapshot> container, Decision decision, Optional<OwnedRoutes> owned,
                          Supplier<Map<Route, String>> others) {
        report(id, decision.warnings());
        Set<Route> want = decision.routes();
        Set<Route> had = owned.map(OwnedRoutes::routes).orElse(Set.of());
        String name = container.map(ContainerSnapshot::name).or(() -> owned.map(OwnedRoutes::container)).orElse(id);
        if (container.isPresent()) {
            writes.status(id, name, decision);
        } else {
            writes.statusGone(id);
        }

        recordsWritten |= !want.isEmpty() && writes.keepsRecords();
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
        Map<Route, String> wantedElsewhere = null; // read only when something is to go
        for (Route route : had) {
            if (want.contains(route)) {
                continue;
            }
            if (wantedElsewhere == null) {
                wantedElsewhere = others.get();
            }
            String holder = wantedElsewhere.get(route);
            if (holder == null) {
                removed(route, name);
            } else {
                log.info("= {} kept: container {} no longer has it, container {} does", route, name, holder);
            }
        }
        if (want.isEmpty() && owned.isPresent()) {
            writes.forget(id);
            recordsWritten = recordsWritten && records.exist(); // that may have been the last record
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

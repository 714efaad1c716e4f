package dev.wharf.agent.sync;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.agent.docker.ContainerSource;
import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.agent.routing.RoutePlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converges the store to the containers. Each step inspects the container again and compares what it should have
 * with what this agent recorded for it ({@link RouteDiff}), so events may come late, twice or out of order without
 * harm; the store writes each change in its crash-safe order ({@link Change}).
 *
 * <p>A backend belongs to every record, and every running container's plan, that names it: Docker hands a new
 * container the lowest free address, very often a gone container's, so the gone one's record may name the route a
 * running one needs. A route is removed only when nothing else here still wants it. Sync thread only, but for
 * {@link #stopping} and {@link #started}, which the events thread calls.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final ContainerSource containers;
    private final RoutePlanner planner;
    private final AgentStore store;
    private final AgentMetrics metrics;
    private final Map<String, List<String>> warnings = new ConcurrentHashMap<>();
    /**
     * Containers told to stop that are still running: out of their routes at once, before their process exits
     * (Docker reports {@code die} only after that, when requests would already fail), so a rolling deploy
     * loses no request.
     */
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();

    public Reconciler(ContainerSource containers, RoutePlanner planner, AgentStore store, AgentMetrics metrics) {
        this.containers = containers;
        this.planner = planner;
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Every running container gets its routes; every route recorded for another container goes; every status of a
     * destroyed container goes. All the changes are written together.
     *
     * @return how many containers were looked at and how many routes changed in the store
     */
    public Reconciled reconcileAll() {
        long started = System.nanoTime();
        Map<String, OwnedRoutes> owned = store.owned();
        Set<String> running = new LinkedHashSet<>(containers.runningIds());
        Set<String> seen = new LinkedHashSet<>(running);
        seen.addAll(owned.keySet());      // stopped or destroyed since they were routed
        seen.addAll(store.statusIds());   // stopped, or destroyed while nothing was listening
        Map<String, Decision> plans = new HashMap<>();
        Map<Route, List<String>> wantedBy = new HashMap<>();
        Map<String, Optional<ContainerSnapshot>> snapshots = containers.inspectAll(seen);
        for (String id : seen) {
            Decision plan = plan(id, snapshots.get(id));
            plans.put(id, plan);
            plan.routes().forEach(route -> wantedBy.computeIfAbsent(route, r -> new ArrayList<>(1)).add(id));
        }
        long inspected = System.nanoTime();
        // Every container with a record is converged here, so what the others hold afterwards is what they want now.
        List<Pending> pending = new ArrayList<>();
        for (Map.Entry<String, Optional<ContainerSnapshot>> entry : snapshots.entrySet()) {
            String id = entry.getKey();
            Optional<OwnedRoutes> had = Optional.ofNullable(owned.get(id));
            Decision want = plans.get(id);
            Map<Route, String> others = new HashMap<>();
            if (RouteDiff.somethingLeaves(had, want)) {
                for (Route route : had.get().routes()) {
                    wantedBy.getOrDefault(route, List.of()).stream().filter(other -> !other.equals(id)).findFirst()
                            .ifPresent(other -> others.put(route, nameOf(other, snapshots.get(other), Optional.ofNullable(owned.get(other)))));
                }
            }
            pending.add(start(id, entry.getValue(), had, want, others));
        }
        int changed = finish(pending);
        warnings.keySet().retainAll(running);
        store.heartbeat();
        return new Reconciled(seen.size(), changed, (inspected - started) / 1_000_000, (System.nanoTime() - inspected) / 1_000_000);
    }

    /** What a full reconcile did, for the log: containers looked at, routes changed, time reading and writing. */
    public record Reconciled(int containers, int routesChanged, long readMillis, long writeMillis) {
    }

    /** One container, after an event about it. */
    public void converge(String id) {
        Optional<ContainerSnapshot> container = containers.inspect(id);
        Decision want = plan(id, container);
        Optional<OwnedRoutes> had = store.owned(id);
        Map<Route, String> others = new HashMap<>();
        if (RouteDiff.somethingLeaves(had, want)) {
            store.owned().forEach((other, record) -> {
                if (!other.equals(id)) {
                    record.routes().forEach(route -> others.putIfAbsent(route, record.container()));
                }
            });
        }
        finish(List.of(start(id, container, had, want, others)));
    }

    /** {@code --deregister-on-exit}: removes every route, record and status this agent wrote. */
    public void deregisterAll() {
        Map<String, OwnedRoutes> owned = store.owned();
        Set<String> ids = new LinkedHashSet<>(owned.keySet());
        ids.addAll(store.statusIds());
        List<Pending> pending = new ArrayList<>();
        for (String id : ids) {
            Optional<OwnedRoutes> had = Optional.ofNullable(owned.get(id));
            String name = nameOf(id, Optional.empty(), had);
            Change change = RouteDiff.diff(name, had, Decision.none(), false, Map.of());
            pending.add(new Pending(id, change, store.apply(id, change).toCompletableFuture()));
        }
        finish(pending);
    }

    /** True when what this agent wrote is gone from the store, so everything must be written again. */
    public boolean storeLostItsState() {
        return store.lostItsState();
    }

    /** The container was sent a terminating signal: its routes go at its next convergence, before it exits. */
    public void stopping(String containerId) {
        stopping.add(containerId);
    }

    /** The container (re)started: routed again as usual. */
    public void started(String containerId) {
        stopping.remove(containerId);
    }

    /** The current warning of each container skipped or guessed about, for operators and tests. */
    public Map<String, List<String>> warnings() {
        return Map.copyOf(warnings);
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
            if (!store.hasOtherBackends(route)) {
                lastOnes.add(route);
            }
        }
        return new Decision(lastOnes, List.of(), decision.askedHosts(), null);
    }

    private record Pending(String id, Change change, CompletableFuture<AgentStore.Applied> applied) {
    }

    private Pending start(String id, Optional<ContainerSnapshot> container, Optional<OwnedRoutes> had, Decision want,
                          Map<Route, String> others) {
        report(id, want.warnings());
        String name = nameOf(id, container, had);
        Change change = RouteDiff.diff(name, had, want, container.isPresent(), others);
        change.kept().forEach((route, holder) ->
                log.info("= {} kept: container {} no longer has it, container {} does", route, name, holder));
        return new Pending(id, change, store.apply(id, change).toCompletableFuture());
    }

    /**
     * Waits for every change to be written (so none is still under way when a retry starts), then logs them.
     * Returns the number of routes changed.
     */
    private int finish(List<Pending> pending) {
        int changed = 0;
        try {
            Await.result(CompletableFuture.allOf(pending.stream().map(Pending::applied).toArray(CompletableFuture[]::new)));
        } finally {
            for (Pending done : pending) {
                if (done.applied().isDone() && !done.applied().isCompletedExceptionally()) {
                    AgentStore.Applied applied = done.applied().join();
                    changed += applied.added().size() + applied.removed().size();
                    applied.added().forEach(route -> {
                        metrics.routeAdded();
                        log.info("+ {} (container {})", route, done.change().name());
                    });
                    applied.removed().forEach(route -> {
                        metrics.routeRemoved();
                        log.info("- {} (container {})", route, done.change().name());
                    });
                }
            }
        }
        return changed;
    }

    private static String nameOf(String id, Optional<ContainerSnapshot> container, Optional<OwnedRoutes> had) {
        return container.map(ContainerSnapshot::name).or(() -> had.map(OwnedRoutes::container)).orElse(id);
    }

    /** Logs a container's warnings once, not at every event and resync. */
    private void report(String id, List<String> current) {
        List<String> previous = current.isEmpty() ? warnings.remove(id) : warnings.put(id, current);
        if (!current.equals(previous)) {
            current.forEach(log::warn);
        }
    }
}

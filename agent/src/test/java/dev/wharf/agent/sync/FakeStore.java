package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Redis in memory, as {@link RedisAgentStore} uses it: frontends as backend lists, this agent's records, statuses.
 * It applies a change in the same order of stages, and can fail after a given number of writes (the connection
 * lost half-way) or lose everything (Redis restarted empty).
 */
final class FakeStore implements AgentStore {

    final Map<String, List<String>> frontends = new LinkedHashMap<>();
    final Map<String, OwnedRoutes> records = new LinkedHashMap<>();
    final Map<String, String> statuses = new HashMap<>();
    int writes;
    int recordWrites;
    private int failAfter = Integer.MAX_VALUE;
    private boolean recorded;
    private boolean lost;

    /** The next writes succeed {@code n} times, then every write fails until {@link #heal()}. */
    void failAfter(int n) {
        failAfter = writes + n;
    }

    void heal() {
        failAfter = Integer.MAX_VALUE;
    }

    void emptied() {
        lost = recorded;
        frontends.clear();
        records.clear();
        statuses.clear();
    }

    /** Every backend listed, as "host -> url", sorted. */
    Set<String> routes() {
        Set<String> all = new TreeSet<>();
        frontends.forEach((frontend, backends) -> backends.forEach(url -> all.add(frontend + " -> " + url)));
        return all;
    }

    /** Every route that some record names: a listed backend outside this set is one nobody owns. */
    Set<String> ownedRoutes() {
        Set<String> all = new TreeSet<>();
        records.values().forEach(record -> record.routes().forEach(route -> all.add(route.toString())));
        return all;
    }

    @Override
    public Map<String, OwnedRoutes> owned() {
        return new LinkedHashMap<>(records);
    }

    @Override
    public Optional<OwnedRoutes> owned(String containerId) {
        return Optional.ofNullable(records.get(containerId));
    }

    @Override
    public CompletionStage<Applied> apply(String id, Change change) {
        Set<Route> added = new HashSet<>();
        Set<Route> removed = new HashSet<>();
        try {
            if (change.status() == null) {
                write(() -> statuses.remove(id));
            } else {
                write(() -> statuses.put(id, change.status().whyNot() == null ? "routed" : change.status().whyNot()));
            }
            if (change.widen() != null) {
                record(id, change.widen());
            }
            for (Route route : change.ensure()) {
                write(() -> {
                    List<String> backends = frontends.computeIfAbsent(key(route), k -> new ArrayList<>());
                    if (!backends.contains(route.backend().toString())) {
                        backends.add(route.backend().toString());
                        added.add(route);
                    }
                });
            }
            for (Route route : change.remove()) {
                write(() -> {
                    List<String> backends = frontends.getOrDefault(key(route), new ArrayList<>());
                    if (backends.remove(route.backend().toString())) {
                        removed.add(route);
                    }
                    if (backends.isEmpty()) {
                        frontends.remove(key(route));
                    }
                });
            }
            if (change.forget()) {
                write(() -> records.remove(id));
            } else if (change.narrow() != null) {
                record(id, change.narrow());
            }
            return CompletableFuture.completedFuture(new Applied(added, removed));
        } catch (IllegalStateException lost) {
            return CompletableFuture.failedFuture(lost);
        }
    }

    private void record(String id, OwnedRoutes owned) {
        recordWrites++;
        write(() -> records.put(id, owned));
        recorded = true;
    }

    private void write(Runnable write) {
        if (writes >= failAfter) {
            throw new IllegalStateException("connection lost");
        }
        writes++;
        write.run();
    }

    private static String key(Route route) {
        return route.host() + route.path();
    }

    @Override
    public void heartbeat() {
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        return frontends.getOrDefault(key(route), List.of()).stream().anyMatch(url -> !url.equals(route.backend().toString()));
    }

    @Override
    public Set<String> statusIds() {
        return Set.copyOf(statuses.keySet());
    }

    @Override
    public boolean lostItsState() {
        boolean wasLost = lost;
        lost = false;
        return wasLost;
    }
}

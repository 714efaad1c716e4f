package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** From what a container had to what it should have: the one place that decides what is written. Pure. */
public final class RouteDiff {

    private RouteDiff() {
    }

    /** True when a route the container had is not wanted any more: only then are other containers' routes needed. */
    public static boolean somethingLeaves(Optional<OwnedRoutes> had, Decision want) {
        return had.isPresent() && !want.routes().containsAll(had.get().routes());
    }

    /**
     * @param name   the container's name now (its record's, when the container is gone)
     * @param had    this agent's record of the container, if any
     * @param want   its routing decision now ({@link Decision#none()} when gone)
     * @param exists false when the container no longer exists: its status goes
     * @param others each route another container wants or holds, with that container's name; a route named here is
     *               never removed (Docker hands a new container a gone one's address, so two may name one backend)
     */
    public static Change diff(String name, Optional<OwnedRoutes> had, Decision want, boolean exists,
                              Map<Route, String> others) {
        Set<Route> wanted = want.routes();
        Set<Route> previous = had.map(OwnedRoutes::routes).orElse(Set.of());
        Set<Route> both = new HashSet<>(wanted); // first, so that the record keeps the options wanted now
        both.addAll(previous);
        OwnedRoutes widen = wanted.isEmpty() || had.isPresent() && sameRecord(had.get(), name, both)
                ? null : new OwnedRoutes(name, both);

        Set<Route> remove = new HashSet<>();
        Map<Route, String> kept = new HashMap<>();
        for (Route route : previous) {
            if (!wanted.contains(route)) {
                String holder = others.get(route);
                if (holder == null) {
                    remove.add(route);
                } else {
                    kept.put(route, holder);
                }
            }
        }
        boolean forget = wanted.isEmpty() && had.isPresent();
        OwnedRoutes narrow = forget || wanted.equals(both) ? null : new OwnedRoutes(name, wanted);
        return new Change(name, widen, wanted, remove, kept, narrow, forget, exists ? want : null);
    }

    /** A record is written again when its routes differ, or an option of one of them (options do not name a route). */
    private static boolean sameRecord(OwnedRoutes record, String name, Set<Route> routes) {
        if (!record.routes().equals(routes) || !record.container().equals(name)) {
            return false;
        }
        Map<Route, Map<String, String>> options = new HashMap<>();
        routes.forEach(route -> options.put(route, route.options()));
        return record.routes().stream().allMatch(route -> route.options().equals(options.get(route)));
    }
}

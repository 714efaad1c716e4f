package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.store.RouteStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * Writes to Redis: routes through the atomic {@link RouteStore}, ownership in {@link AgentRecords}, routing
 * statuses in {@link ContainerStatuses}.
 */
public final class StoreWrites implements RouteWrites {

    private static final Logger log = LoggerFactory.getLogger(StoreWrites.class);

    private final RouteStore store;
    /** Routes whose options conflict with those in force, logged once each (sync thread only). */
    private final Set<Route> conflicts = new HashSet<>();
    private final AgentRecords records;
    private final ContainerStatuses statuses;

    public StoreWrites(RouteStore store, AgentRecords records, ContainerStatuses statuses) {
        this.store = store;
        this.records = records;
        this.statuses = statuses;
    }

    @Override
    public boolean add(Route route) {
        // The identifier only labels a new frontend in logs; the host says what it is.
        RouteStore.Added added = Await.result(store.addBackend(route.host(), route.path(), route.host(), route.backend(),
                route.options()));
        if (added.optionsConflict() && conflicts.add(route)) {
            log.warn("options of {} differ from those in force for {}{}, which are its first backend's: kept",
                    route, route.host(), route.path());
        } else if (!added.optionsConflict()) {
            conflicts.remove(route);
        }
        return added.changed();
    }

    @Override
    public boolean remove(Route route) {
        conflicts.remove(route);
        return Await.result(store.removeBackend(route.host(), route.path(), route.backend()));
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        String own = route.backend().toString();
        return Await.result(store.read(route.host(), route.path()))
                .map(frontend -> frontend.backends().stream().anyMatch(backend -> !backend.equals(own)))
                .orElse(false);
    }

    @Override
    public void record(String containerId, OwnedRoutes owned) {
        records.put(containerId, owned);
    }

    @Override
    public void forget(String containerId) {
        records.remove(containerId);
    }

    @Override
    public void heartbeat() {
        records.heartbeat();
    }

    @Override
    public void status(String containerId, String name, Decision decision) {
        statuses.update(containerId, name, decision);
    }

    @Override
    public void statusGone(String containerId) {
        statuses.gone(containerId);
    }

    @Override
    public Set<String> statusIds() {
        return statuses.ids();
    }

    @Override
    public void statusesLost() {
        statuses.reload();
    }
}

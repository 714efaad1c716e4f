package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;
import dev.wharf.store.RouteStore;

/** Writes to Redis: routes through the atomic {@link RouteStore}, ownership in {@link AgentRecords}. */
public final class StoreWrites implements RouteWrites {

    private final RouteStore store;
    private final AgentRecords records;

    public StoreWrites(RouteStore store, AgentRecords records) {
        this.store = store;
        this.records = records;
    }

    @Override
    public boolean add(Route route) {
        // The identifier only labels a new frontend in logs; the host says what it is.
        return Await.result(store.addBackend(route.host(), route.host(), route.backend()));
    }

    @Override
    public boolean remove(Route route) {
        return Await.result(store.removeBackend(route.host(), route.backend()));
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        String own = route.backend().toString();
        return Await.result(store.read(route.host()))
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
}

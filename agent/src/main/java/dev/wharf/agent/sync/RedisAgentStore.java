package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;
import dev.wharf.store.RouteStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The agent's state in Redis: routes through the atomic scripts of {@link RouteStore}, ownership in
 * {@link AgentRecords}, routing statuses in {@link ContainerStatuses}.
 *
 * <p>A change is written in stages, each sent only once the one before succeeded — the record that names the new
 * routes, then the routes, then the removals, then the record that names what stays — so a crash or a lost connection
 * at any point leaves no route that no record names. The commands of one stage, and the changes of many containers,
 * go out together on the one connection (pipelined): a reconcile of a thousand containers costs a few round trips,
 * not thousands.
 */
public final class RedisAgentStore implements AgentStore {

    private static final Logger log = LoggerFactory.getLogger(RedisAgentStore.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final RouteStore routes;
    private final AgentRecords records;
    private final ContainerStatuses statuses;
    /** Routes whose options differ from those in force, logged once each. */
    private final Set<Route> conflicts = ConcurrentHashMap.newKeySet();
    /** Containers this agent has a record for: while there is one, its records key must exist in Redis. */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    public RedisAgentStore(RouteStore routes, AgentRecords records, ContainerStatuses statuses) {
        this.routes = routes;
        this.records = records;
        this.statuses = statuses;
    }

    @Override
    public Map<String, OwnedRoutes> owned() {
        Map<String, OwnedRoutes> all = records.all();
        recorded.clear();
        recorded.addAll(all.keySet());
        return all;
    }

    @Override
    public Optional<OwnedRoutes> owned(String containerId) {
        return records.get(containerId);
    }

    @Override
    public CompletionStage<Applied> apply(String id, Change change) {
        CompletionStage<Void> status = change.status() == null
                ? statuses.gone(id) : statuses.update(id, change.name(), change.status());
        if (change.forget()) {
            recorded.remove(id);
        } else if (change.widen() != null || change.narrow() != null) {
            recorded.add(id);
        }
        CompletionStage<Void> widened = change.widen() == null ? DONE : records.put(id, change.widen());
        CompletionStage<List<Route>> added = widened.thenCompose(ready -> each(change.ensure(), this::add));
        CompletionStage<List<Route>> removed = added.thenCompose(ready -> each(change.remove(), this::remove));
        CompletionStage<Void> narrowed = removed.thenCompose(ready -> change.forget() ? records.remove(id)
                : change.narrow() != null ? records.put(id, change.narrow()) : DONE);
        return narrowed.thenCombine(status, (done, written) -> null)
                .thenCompose(done -> added.thenCombine(removed, (a, r) -> new Applied(Set.copyOf(a), Set.copyOf(r))));
    }

    /** The routes among {@code all} whose write changed their frontend, once every write is done. */
    private static CompletionStage<List<Route>> each(Set<Route> all, Function<Route, CompletionStage<Boolean>> write) {
        List<Route> order = new ArrayList<>(all);
        List<CompletableFuture<Boolean>> writes = order.stream().map(route -> write.apply(route).toCompletableFuture()).toList();
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Route> changed = new ArrayList<>();
            for (int i = 0; i < order.size(); i++) {
                if (writes.get(i).join()) {
                    changed.add(order.get(i));
                }
            }
            return changed;
        });
    }

    private CompletionStage<Boolean> add(Route route) {
        // The identifier only labels a new frontend in logs; the host says what it is.
        return routes.addBackend(route.host(), route.path(), route.host(), route.backend(), route.options())
                .thenApply(added -> {
                    if (!added.optionsConflict()) {
                        conflicts.remove(route);
                    } else if (conflicts.add(route)) {
                        log.warn("options of {} differ from those in force for {}{}, which are its first backend's: kept",
                                route, route.host(), route.path());
                    }
                    return added.changed();
                });
    }

    private CompletionStage<Boolean> remove(Route route) {
        conflicts.remove(route);
        return routes.removeBackend(route.host(), route.path(), route.backend());
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        String own = route.backend().toString();
        return Await.result(routes.read(route.host(), route.path()))
                .map(frontend -> frontend.backends().stream().anyMatch(backend -> !backend.equals(own)))
                .orElse(false);
    }

    @Override
    public void heartbeat() {
        records.heartbeat();
    }

    @Override
    public Set<String> statusIds() {
        return statuses.ids();
    }

    @Override
    public boolean lostItsState() {
        if (recorded.isEmpty() || records.exist()) {
            return false;
        }
        recorded.clear();
        statuses.reload(); // they went with the records
        return true;
    }
}

package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code --dry-run}: reads what is stored, says what would be written, writes nothing (not even a heartbeat). */
public final class DryRunStore implements AgentStore {

    private final AgentStore store;
    private final PrintStream out;

    public DryRunStore(AgentStore store, PrintStream out) {
        this.store = store;
        this.out = out;
    }

    @Override
    public Map<String, OwnedRoutes> owned() {
        return store.owned();
    }

    @Override
    public Optional<OwnedRoutes> owned(String containerId) {
        return store.owned(containerId);
    }

    @Override
    public CompletionStage<Applied> apply(String containerId, Change change) {
        change.ensure().forEach(route -> out.println("would ensure " + route));
        change.remove().forEach(route -> out.println("would remove " + route));
        OwnedRoutes record = change.narrow() != null ? change.narrow() : change.widen();
        if (change.forget()) {
            out.println("would forget container " + change.name());
        } else if (record != null) {
            out.println("would record " + record.routes().size() + " route(s) of container " + change.name());
        }
        return CompletableFuture.completedFuture(new Applied(Set.of(), Set.of()));
    }

    @Override
    public void heartbeat() {
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        return store.hasOtherBackends(route);
    }

    @Override
    public Set<String> statusIds() {
        return store.statusIds();
    }

    @Override
    public boolean lostItsState() {
        return false; // it wrote nothing that could go
    }
}

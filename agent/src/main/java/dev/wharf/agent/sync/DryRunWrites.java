package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;

import java.io.PrintStream;

/** {@code --dry-run}: says what would be written, writes nothing. */
public final class DryRunWrites implements RouteWrites {

    private final PrintStream out;

    public DryRunWrites(PrintStream out) {
        this.out = out;
    }

    @Override
    public boolean add(Route route) {
        out.println("would ensure " + route);
        return false;
    }

    @Override
    public boolean remove(Route route) {
        out.println("would remove " + route);
        return false;
    }

    @Override
    public boolean hasOtherBackends(Route route) {
        return true; // says it would remove the route at once; nothing is read
    }

    @Override
    public void record(String containerId, OwnedRoutes owned) {
        out.println("would record " + owned.routes().size() + " route(s) of container " + owned.container());
    }

    @Override
    public void forget(String containerId) {
        out.println("would forget container " + containerId);
    }

    @Override
    public void heartbeat() {
        // A dry run leaves no trace, not even a heartbeat.
    }

    @Override
    public boolean keepsRecords() {
        return false;
    }
}

package dev.wharf.agent.docker;

import java.util.Set;

/**
 * A Docker event that may change a container's routes, reduced to what the agent acts on.
 *
 * @param id   the container
 * @param kind {@link Kind#STOPPING} when it was told to stop (SIGTERM, SIGKILL, ...: {@code docker stop},
 *             {@code docker kill}, compose down or scale); {@link Kind#STARTED} when it (re)started; else
 *             {@link Kind#CHANGED}
 */
public record ContainerEvent(String id, Kind kind) {

    public enum Kind { CHANGED, STOPPING, STARTED }

    /** Signals that end a process: a container sent one is on its way out, though it may serve a while yet. */
    private static final Set<String> TERMINATING = Set.of("15", "9", "2", "3", "SIGTERM", "SIGKILL", "SIGINT", "SIGQUIT",
            "TERM", "KILL", "INT", "QUIT");

    static Kind kindOf(String action, String signal) {
        return switch (action) {
            case "kill" -> signal != null && TERMINATING.contains(signal.toUpperCase(java.util.Locale.ROOT))
                    ? Kind.STOPPING : Kind.CHANGED;
            case "stop" -> Kind.STOPPING;
            case "start", "restart" -> Kind.STARTED;
            default -> Kind.CHANGED;
        };
    }
}

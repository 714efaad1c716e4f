package dev.wharf.agent.docker;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where the reconciler learns what containers there are: a Docker engine, or an in-memory fake in tests. */
public interface ContainerSource {

    /** Ids of running (and paused) containers. */
    List<String> runningIds();

    /** The container as it is now; empty when it no longer exists. */
    Optional<ContainerSnapshot> inspect(String containerId);

    /** Each container as it is now, in the order given; a source may look at several at once. */
    default Map<String, Optional<ContainerSnapshot>> inspectAll(Collection<String> containerIds) {
        Map<String, Optional<ContainerSnapshot>> all = new LinkedHashMap<>();
        containerIds.forEach(id -> all.put(id, inspect(id)));
        return all;
    }
}

package dev.wharf.agent.docker;

import java.util.List;
import java.util.Optional;

/** Where the reconciler learns what containers there are: a Docker engine, or an in-memory fake in tests. */
public interface ContainerSource {

    /** Ids of running (and paused) containers. */
    List<String> runningIds();

    /** The container as it is now; empty when it no longer exists. */
    Optional<ContainerSnapshot> inspect(String containerId);
}

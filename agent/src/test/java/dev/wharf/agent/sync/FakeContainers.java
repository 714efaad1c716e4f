package dev.wharf.agent.sync;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.agent.docker.ContainerSource;
import dev.wharf.agent.docker.Containers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A Docker engine in memory: containers by id, as a test puts them. */
final class FakeContainers implements ContainerSource {

    private final Map<String, ContainerSnapshot> containers = new LinkedHashMap<>();
    int inspections;

    /** A running container asking for {@code host}, on {@code ip}:80. */
    ContainerSnapshot run(String id, String host, String ip) {
        return put(Containers.container().noNetworks().network("bridge", ip).label("VIRTUAL_HOST", host).exposed(80)
                .build(id, "c-" + id));
    }

    ContainerSnapshot put(ContainerSnapshot container) {
        containers.put(container.id(), container);
        return container;
    }

    /** Exited, still there. */
    void stop(String id) {
        ContainerSnapshot c = containers.get(id);
        put(new ContainerSnapshot(c.id(), c.name(), c.labels(), c.env(), false, false, c.health(), c.networks(),
                c.exposedPorts(), c.publishedPorts(), c.hostNetwork()));
    }

    void destroy(String id) {
        containers.remove(id);
    }

    @Override
    public List<String> runningIds() {
        return containers.values().stream().filter(ContainerSnapshot::running).map(ContainerSnapshot::id).toList();
    }

    @Override
    public Optional<ContainerSnapshot> inspect(String containerId) {
        inspections++;
        return Optional.ofNullable(containers.get(containerId));
    }
}

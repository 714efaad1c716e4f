package dev.wharf.agent.docker;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * What the agent needs to know of one container, decoupled from docker-java's types so that routing
 * decisions are pure functions tested from tables of snapshots.
 *
 * @param name           without Docker's leading slash
 * @param labels         container labels
 * @param env            environment variables of the container config
 * @param networks       network name to the container's IPv4 address on it, sorted by name
 * @param exposedPorts   exposed TCP ports (image EXPOSE and {@code --expose})
 * @param publishedPorts container TCP port to the host port it is published on
 * @param hostNetwork    true for {@code --network host}
 */
public record ContainerSnapshot(
        String id,
        String name,
        Map<String, String> labels,
        Map<String, String> env,
        boolean running,
        boolean paused,
        Health health,
        SortedMap<String, String> networks,
        Set<Integer> exposedPorts,
        Map<Integer, Integer> publishedPorts,
        boolean hostNetwork) {

    public enum Health { NONE, STARTING, HEALTHY, UNHEALTHY }

    /**
     * What can change while a container exists; the rest (labels, env, exposed ports, network mode) is fixed when it
     * is created. The engine's container list tells this much too, so an unchanged container need not be inspected.
     */
    public record State(String name, boolean running, boolean paused, Health health, SortedMap<String, String> networks,
                        Map<Integer, Integer> publishedPorts) {
    }

    public State state() {
        return new State(name, running, paused, health, networks, publishedPorts);
    }

    /** Running, not paused, and healthy if it has a healthcheck: the only state in which it gets traffic. */
    public boolean ready() {
        return running && !paused && (health == Health.NONE || health == Health.HEALTHY);
    }

    /** The value of a routing setting: the label if present, else the environment variable (nginx-proxy). */
    public String setting(String key) {
        String label = labels.get(key);
        return label != null ? label : env.get(key);
    }

    /** Short id for logs. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}

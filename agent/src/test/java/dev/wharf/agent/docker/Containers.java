package dev.wharf.agent.docker;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Tiny fixture builder for snapshots: {@code container().label("VIRTUAL_HOST", "a.com").network("web", "172.18.0.5")}. */
public final class Containers {

    private final Map<String, String> labels = new HashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private final TreeMap<String, String> networks = new TreeMap<>();
    private final Set<Integer> exposed = new HashSet<>();
    private final Map<Integer, Integer> published = new HashMap<>();
    private boolean running = true;
    private boolean paused;
    private boolean hostNetwork;
    private ContainerSnapshot.Health health = ContainerSnapshot.Health.NONE;

    public static Containers container() {
        return new Containers().network("bridge", "172.17.0.2");
    }

    public Containers label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    public Containers env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public Containers network(String name, String ip) {
        networks.put(name, ip);
        return this;
    }

    public Containers noNetworks() {
        networks.clear();
        return this;
    }

    public Containers exposed(int... ports) {
        for (int port : ports) {
            exposed.add(port);
        }
        return this;
    }

    public Containers published(int containerPort, int hostPort) {
        published.put(containerPort, hostPort);
        return this;
    }

    public Containers stopped() {
        running = false;
        return this;
    }

    public Containers paused() {
        paused = true;
        return this;
    }

    public Containers health(ContainerSnapshot.Health value) {
        health = value;
        return this;
    }

    public Containers hostNetwork() {
        hostNetwork = true;
        networks.clear();
        networks.put("host", "");
        return this;
    }

    public ContainerSnapshot build() {
        return build("0123456789abcdef", "web-1");
    }

    public ContainerSnapshot build(String id, String name) {
        return new ContainerSnapshot(id, name, labels, env, running, paused, health, networks, exposed, published,
                hostNetwork);
    }
}

package dev.wharf.agent.docker;

import com.github.dockerjava.api.command.HealthState;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.ContainerPort;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.NetworkSettings;
import com.github.dockerjava.api.model.Ports;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns docker-java's inspect response into a {@link ContainerSnapshot}, and an entry of the container list into the
 * same {@link ContainerSnapshot.State}; every field may be missing.
 */
final class Snapshots {

    private Snapshots() {
    }

    static ContainerSnapshot of(InspectContainerResponse inspect) {
        ContainerConfig config = inspect.getConfig();
        var state = inspect.getState();
        String name = inspect.getName() == null ? inspect.getId() : inspect.getName().replaceFirst("^/", "");
        String networkMode = inspect.getHostConfig() == null ? null : inspect.getHostConfig().getNetworkMode();
        return new ContainerSnapshot(
                inspect.getId(),
                name,
                config == null || config.getLabels() == null ? Map.of() : config.getLabels(),
                env(config),
                state != null && Boolean.TRUE.equals(state.getRunning()),
                state != null && Boolean.TRUE.equals(state.getPaused()),
                health(state == null ? null : state.getHealth()),
                networks(inspect.getNetworkSettings()),
                exposed(config),
                published(inspect.getNetworkSettings()),
                "host".equals(networkMode));
    }

    /**
     * The state an entry of the container list shows, or empty when the list cannot tell it exactly (restarting,
     * created, exited...): then the container is inspected.
     */
    static Optional<ContainerSnapshot.State> stateOf(Container listed) {
        String state = listed.getState();
        if (!"running".equals(state) && !"paused".equals(state) || listed.getNames() == null || listed.getNames().length == 0) {
            return Optional.empty();
        }
        TreeMap<String, String> networks = new TreeMap<>();
        if (listed.getNetworkSettings() != null && listed.getNetworkSettings().getNetworks() != null) {
            listed.getNetworkSettings().getNetworks().forEach((network, settings) ->
                    networks.put(network, settings.getIpAddress() == null ? "" : settings.getIpAddress()));
        }
        Map<Integer, Integer> published = new HashMap<>();
        if (listed.getPorts() != null) {
            for (ContainerPort port : listed.getPorts()) {
                if ("tcp".equals(port.getType()) && port.getPrivatePort() != null && port.getPublicPort() != null) {
                    published.putIfAbsent(port.getPrivatePort(), port.getPublicPort());
                }
            }
        }
        return Optional.of(new ContainerSnapshot.State(listed.getNames()[0].replaceFirst("^/", ""), true,
                "paused".equals(state), listedHealth(listed.getStatus()), networks, published));
    }

    /** "Up 2 minutes (healthy)", "Up 3 seconds (health: starting)", "Up 1 hour (unhealthy)". */
    private static ContainerSnapshot.Health listedHealth(String status) {
        if (status == null) {
            return ContainerSnapshot.Health.NONE;
        }
        if (status.contains("(healthy)")) {
            return ContainerSnapshot.Health.HEALTHY;
        }
        if (status.contains("(unhealthy)")) {
            return ContainerSnapshot.Health.UNHEALTHY;
        }
        return status.contains("(health: starting)") ? ContainerSnapshot.Health.STARTING : ContainerSnapshot.Health.NONE;
    }

    private static Map<String, String> env(ContainerConfig config) {
        Map<String, String> env = new HashMap<>();
        if (config != null && config.getEnv() != null) {
            for (String entry : config.getEnv()) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
        }
        return env;
    }

    private static ContainerSnapshot.Health health(HealthState health) {
        if (health == null || health.getStatus() == null) {
            return ContainerSnapshot.Health.NONE;
        }
        return switch (health.getStatus()) {
            case "healthy" -> ContainerSnapshot.Health.HEALTHY;
            case "unhealthy" -> ContainerSnapshot.Health.UNHEALTHY;
            case "starting" -> ContainerSnapshot.Health.STARTING;
            default -> ContainerSnapshot.Health.NONE;
        };
    }

    private static TreeMap<String, String> networks(NetworkSettings settings) {
        TreeMap<String, String> networks = new TreeMap<>();
        if (settings != null && settings.getNetworks() != null) {
            for (Map.Entry<String, ContainerNetwork> network : settings.getNetworks().entrySet()) {
                String ip = network.getValue().getIpAddress();
                networks.put(network.getKey(), ip == null ? "" : ip);
            }
        }
        return networks;
    }

    private static Set<Integer> exposed(ContainerConfig config) {
        Set<Integer> ports = new HashSet<>();
        if (config != null && config.getExposedPorts() != null) {
            for (ExposedPort port : config.getExposedPorts()) {
                if (port.getProtocol() == InternetProtocol.TCP) {
                    ports.add(port.getPort());
                }
            }
        }
        return ports;
    }

    private static Map<Integer, Integer> published(NetworkSettings settings) {
        Map<Integer, Integer> published = new HashMap<>();
        if (settings == null || settings.getPorts() == null) {
            return published;
        }
        for (Map.Entry<ExposedPort, Ports.Binding[]> entry : settings.getPorts().getBindings().entrySet()) {
            if (entry.getKey().getProtocol() != InternetProtocol.TCP || entry.getValue() == null) {
                continue;
            }
            for (Ports.Binding binding : entry.getValue()) {
                String hostPort = binding.getHostPortSpec();
                if (hostPort != null && hostPort.matches("\\d+")) {
                    published.putIfAbsent(entry.getKey().getPort(), Integer.parseInt(hostPort));
                }
            }
        }
        return published;
    }
}

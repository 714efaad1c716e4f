package dev.wharf.agent.routing;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.route.BackendUrl;

import java.util.List;
import java.util.Map;

/**
 * Which IP and port reach a container (SPEC §2), decided the same way every time so that a container on
 * several networks never flips between addresses.
 */
final class BackendAddress {

    private static final int DEFAULT_PORT = 80;

    private BackendAddress() {
    }

    /** The backend URL, adding notes about defaults to {@code warnings}; throws when no address can be used. */
    static BackendUrl choose(ContainerSnapshot container, RoutingLabels.Spec route, RoutingLabels labels,
                             RoutingSettings settings, List<String> warnings) throws LabelException {
        int port = port(container, route, warnings);
        if (settings.advertiseIp().isPresent()) {
            String ip = settings.advertiseIp().get();
            if (container.hostNetwork()) {
                return new BackendUrl(route.scheme(), ip, port);
            }
            Integer hostPort = container.publishedPorts().get(port);
            if (hostPort == null) {
                throw new LabelException("port " + port + "/tcp is not published on the host"
                        + " (published mode, --advertise-ip " + ip + "): publish it with -p");
            }
            return new BackendUrl(route.scheme(), ip, hostPort);
        }
        if (container.hostNetwork()) {
            throw new LabelException("it uses host networking, which needs --advertise-ip (the host's address)");
        }
        return new BackendUrl(route.scheme(), ip(container, labels, settings, warnings), port);
    }

    private static int port(ContainerSnapshot container, RoutingLabels.Spec route, List<String> warnings)
            throws LabelException {
        if (route.port().isPresent()) {
            int port = route.port().getAsInt();
            if (!container.exposedPorts().isEmpty() && !container.exposedPorts().contains(port)) {
                throw new LabelException(route.portLabel(), Integer.toString(port),
                        "is not an exposed port (exposed: " + sorted(container.exposedPorts()) + ")");
            }
            return port;
        }
        if (container.exposedPorts().size() == 1) {
            return container.exposedPorts().iterator().next();
        }
        warnings.add("no " + route.portLabel() + " and " + (container.exposedPorts().isEmpty() ? "no exposed port"
                : "several exposed ports " + sorted(container.exposedPorts())) + ": using port " + DEFAULT_PORT);
        return DEFAULT_PORT;
    }

    private static String ip(ContainerSnapshot container, RoutingLabels labels, RoutingSettings settings,
                             List<String> warnings) throws LabelException {
        Map<String, String> networks = container.networks();
        if (labels.network().isPresent()) {
            String wanted = labels.network().get();
            if (!networks.containsKey(wanted)) {
                throw new LabelException(RoutingLabels.VIRTUAL_NETWORK, wanted,
                        "is not a network of this container (it is on " + networks.keySet() + ")");
            }
            return requireIp(wanted, networks.get(wanted));
        }
        if (settings.network().isPresent() && networks.containsKey(settings.network().get())) {
            return requireIp(settings.network().get(), networks.get(settings.network().get()));
        }
        if (networks.isEmpty()) {
            throw new LabelException("it is on no network with an IP address");
        }
        String first = networks.keySet().iterator().next();
        if (networks.size() > 1) {
            warnings.add("on several networks " + networks.keySet() + " and none chosen by VIRTUAL_NETWORK"
                    + settings.network().map(n -> " or --network " + n).orElse("") + ": using '" + first + "'");
        }
        return requireIp(first, networks.get(first));
    }

    private static String requireIp(String network, String ip) throws LabelException {
        if (ip == null || ip.isBlank()) {
            throw new LabelException("it has no IP address on network '" + network + "'");
        }
        return ip;
    }

    private static List<Integer> sorted(java.util.Set<Integer> ports) {
        return ports.stream().sorted().toList();
    }
}

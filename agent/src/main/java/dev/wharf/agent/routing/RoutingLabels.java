package dev.wharf.agent.routing;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The routing labels of one container, parsed and validated (SPEC §2). Each may also come from the
 * environment variable of the same name; the label wins.
 *
 * @param hosts   normalised {@code VIRTUAL_HOST} entries, in order, without duplicates
 * @param port    {@code VIRTUAL_PORT}, if set
 * @param scheme  {@code VIRTUAL_PROTO}: http or https
 * @param network {@code VIRTUAL_NETWORK}, if set
 */
record RoutingLabels(Set<String> hosts, OptionalInt port, String scheme, Optional<String> network) {

    static final String VIRTUAL_HOST = "VIRTUAL_HOST";
    static final String VIRTUAL_PORT = "VIRTUAL_PORT";
    static final String VIRTUAL_PROTO = "VIRTUAL_PROTO";
    static final String VIRTUAL_NETWORK = "VIRTUAL_NETWORK";
    static final String ENABLE = "wharf.enable";

    /** True when the container asks to be routed: it has VIRTUAL_HOST and did not opt out. */
    static boolean wanted(ContainerSnapshot container) {
        return container.setting(VIRTUAL_HOST) != null && !"false".equalsIgnoreCase(container.labels().get(ENABLE));
    }

    static RoutingLabels parse(ContainerSnapshot container) throws LabelException {
        return new RoutingLabels(hosts(container.setting(VIRTUAL_HOST)), port(container.setting(VIRTUAL_PORT)),
                scheme(container.setting(VIRTUAL_PROTO)), network(container.setting(VIRTUAL_NETWORK)));
    }

    private static Set<String> hosts(String value) throws LabelException {
        Set<String> hosts = new LinkedHashSet<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                hosts.add(Hosts.frontendHost(entry));
            } catch (InvalidRouteException e) {
                throw new LabelException(VIRTUAL_HOST, value, "is not valid: " + e.getMessage());
            }
        }
        if (hosts.isEmpty()) {
            throw new LabelException(VIRTUAL_HOST, value, "names no host");
        }
        return hosts;
    }

    private static OptionalInt port(String value) throws LabelException {
        if (value == null || value.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65535) {
                throw new LabelException(VIRTUAL_PORT, value, "is not a port (1 to 65535)");
            }
            return OptionalInt.of(port);
        } catch (NumberFormatException e) {
            throw new LabelException(VIRTUAL_PORT, value, "is not a number");
        }
    }

    private static String scheme(String value) throws LabelException {
        if (value == null || value.isBlank()) {
            return "http";
        }
        String scheme = value.trim().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new LabelException(VIRTUAL_PROTO, value, "must be http or https");
        }
        return scheme;
    }

    private static Optional<String> network(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
}

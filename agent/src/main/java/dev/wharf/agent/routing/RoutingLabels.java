package dev.wharf.agent.routing;

import dev.wharf.agent.docker.ContainerSnapshot;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.route.RouteOptions;
import dev.wharf.route.RoutePaths;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routing labels of one container, parsed and validated (SPEC §2, §6). nginx-proxy's settings may also come
 * from the environment variable of the same name; the label wins. A container has a default route
 * ({@code VIRTUAL_HOST} with {@code VIRTUAL_PORT}, {@code VIRTUAL_PATH}...), or the routes of nginx-proxy's
 * {@code VIRTUAL_HOST_MULTIPORTS} instead, plus any named routes {@code wharf.route.<name>.*}. Options
 * ({@code wharf.auth}...) apply to every route of the container; {@code wharf.route.<name>.<option>} overrides.
 *
 * @param routes  the container's routes, at least one
 * @param network {@code VIRTUAL_NETWORK}, if set
 */
record RoutingLabels(List<Spec> routes, Optional<String> network) {

    static final String VIRTUAL_HOST = "VIRTUAL_HOST";
    static final String VIRTUAL_PORT = "VIRTUAL_PORT";
    static final String VIRTUAL_PROTO = "VIRTUAL_PROTO";
    static final String VIRTUAL_NETWORK = "VIRTUAL_NETWORK";
    static final String VIRTUAL_PATH = "VIRTUAL_PATH";
    static final String VIRTUAL_DEST = "VIRTUAL_DEST";
    static final String VIRTUAL_HOST_MULTIPORTS = "VIRTUAL_HOST_MULTIPORTS";
    static final String ENABLE = "wharf.enable";
    static final String PATH = "wharf.path";
    static final String OPTION_PREFIX = "wharf.";
    static final String ROUTE_PREFIX = "wharf.route.";
    private static final Pattern NAMED = Pattern.compile("wharf\\.route\\.([A-Za-z0-9_-]{1,64})\\.([a-z-]+)");

    /**
     * One route of the container.
     *
     * @param hosts     normalised hosts, in order, without duplicates
     * @param port      the container port, if set
     * @param portLabel the label that set the port, for messages
     * @param scheme    http or https
     * @param path      the path prefix, or {@code ""} for the whole host
     * @param options   validated options in their stored form
     */
    record Spec(Set<String> hosts, OptionalInt port, String portLabel, String scheme, String path,
                Map<String, String> options) {
    }

    /** True when the container has routing labels (opted out or not). */
    static boolean asks(ContainerSnapshot container) {
        return container.setting(VIRTUAL_HOST) != null || container.setting(VIRTUAL_HOST_MULTIPORTS) != null
                || container.labels().keySet().stream().anyMatch(label -> label.startsWith(ROUTE_PREFIX));
    }

    /** True when the container asks to be routed and did not opt out. */
    static boolean wanted(ContainerSnapshot container) {
        return asks(container) && !"false".equalsIgnoreCase(container.labels().get(ENABLE));
    }

    /**
     * The hosts the labels ask for, read leniently (valid entries of VIRTUAL_HOST, named routes' hosts,
     * VIRTUAL_HOST_MULTIPORTS's keys): a container with a bad label still says which host it wanted.
     */
    static Set<String> askedHosts(ContainerSnapshot container) {
        Set<String> hosts = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        if (container.setting(VIRTUAL_HOST) != null) {
            names.addAll(List.of(container.setting(VIRTUAL_HOST).split(",")));
        }
        container.labels().forEach((label, value) -> {
            if (label.startsWith(ROUTE_PREFIX) && label.endsWith(".host")) {
                names.add(value);
            }
        });
        if (container.setting(VIRTUAL_HOST_MULTIPORTS) != null) {
            names.addAll(Multiports.hostsOf(container.setting(VIRTUAL_HOST_MULTIPORTS)));
        }
        for (String name : names) {
            try {
                if (!name.isBlank()) {
                    hosts.add(Hosts.frontendHost(name));
                }
            } catch (InvalidRouteException ignored) {
                // not a host: nothing to say about it
            }
        }
        return hosts;
    }

    static RoutingLabels parse(ContainerSnapshot container) throws LabelException {
        Map<String, String> options = options(container, OPTION_PREFIX);
        String scheme = scheme(VIRTUAL_PROTO, container.setting(VIRTUAL_PROTO), "http");
        List<Spec> routes = new ArrayList<>();
        String virtualHost = container.setting(VIRTUAL_HOST);
        if (container.setting(VIRTUAL_HOST_MULTIPORTS) != null) {
            routes.addAll(Multiports.parse(container.setting(VIRTUAL_HOST_MULTIPORTS), scheme, options));
        } else if (virtualHost != null) {
            Map<String, String> own = new TreeMap<>(options);
            String path = path(container.labels().containsKey(PATH) ? PATH : VIRTUAL_PATH,
                    container.labels().getOrDefault(PATH, container.setting(VIRTUAL_PATH)));
            dest(container.setting(VIRTUAL_DEST), own);
            routes.add(new Spec(hosts(VIRTUAL_HOST, virtualHost), port(VIRTUAL_PORT, container.setting(VIRTUAL_PORT)),
                    VIRTUAL_PORT, scheme, path, validated(own, OPTION_PREFIX)));
        }
        for (Map.Entry<String, Map<String, String>> named : named(container).entrySet()) {
            routes.add(namedRoute(named.getKey(), named.getValue(), virtualHost, scheme, options));
        }
        if (routes.isEmpty()) {
            throw new LabelException(VIRTUAL_HOST, "", "names no host");
        }
        return new RoutingLabels(List.copyOf(routes), network(container.setting(VIRTUAL_NETWORK)));
    }

    /** {@code wharf.<option>} labels (or one route's {@code wharf.route.<name>.<option>}), unvalidated. */
    private static Map<String, String> options(ContainerSnapshot container, String prefix) {
        Map<String, String> options = new TreeMap<>();
        for (String name : RouteOptions.NAMES) {
            String value = container.labels().get(prefix + name);
            if (value != null) {
                options.put(name, value);
            }
        }
        return options;
    }

    static Map<String, String> validated(Map<String, String> options, String prefix) throws LabelException {
        RouteOptions.Parsed parsed = RouteOptions.parse(options);
        for (Map.Entry<String, String> problem : parsed.problems().entrySet()) {
            throw new LabelException(prefix + problem.getKey(), options.get(problem.getKey()), problem.getValue());
        }
        return parsed.options().fields();
    }

    /** Labels {@code wharf.route.<name>.<key>} grouped by route name. */
    private static Map<String, Map<String, String>> named(ContainerSnapshot container) throws LabelException {
        Map<String, Map<String, String>> named = new TreeMap<>();
        for (Map.Entry<String, String> label : container.labels().entrySet()) {
            if (!label.getKey().startsWith(ROUTE_PREFIX)) {
                continue;
            }
            Matcher m = NAMED.matcher(label.getKey());
            if (!m.matches()) {
                throw new LabelException(label.getKey(), label.getValue(),
                        "is not wharf.route.<name>.<key> (name: letters, digits, _ or -)");
            }
            named.computeIfAbsent(m.group(1), n -> new TreeMap<>()).put(m.group(2), label.getValue());
        }
        return named;
    }

    private static Spec namedRoute(String name, Map<String, String> keys, String virtualHost, String scheme,
                                   Map<String, String> inherited) throws LabelException {
        String prefix = ROUTE_PREFIX + name + ".";
        Map<String, String> options = new TreeMap<>(inherited);
        for (Map.Entry<String, String> key : keys.entrySet()) {
            switch (key.getKey()) {
                case "host", "port", "path", "proto" -> { }
                default -> {
                    if (!RouteOptions.NAMES.contains(key.getKey())) {
                        throw new LabelException(prefix + key.getKey(), key.getValue(), "is not a route setting (host, port,"
                                + " path, proto, " + String.join(", ", RouteOptions.NAMES) + ")");
                    }
                    options.put(key.getKey(), key.getValue());
                }
            }
        }
        String host = keys.getOrDefault("host", virtualHost);
        if (host == null) {
            throw new LabelException(prefix + "host", "", "is missing (and there is no VIRTUAL_HOST to use)");
        }
        return new Spec(hosts(prefix + "host", host), port(prefix + "port", keys.get("port")),
                prefix + "port", scheme(prefix + "proto", keys.get("proto"), scheme),
                path(prefix + "path", keys.get("path")), validated(options, prefix));
    }

    static Set<String> hosts(String label, String value) throws LabelException {
        Set<String> hosts = new LinkedHashSet<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                hosts.add(Hosts.frontendHost(entry));
            } catch (InvalidRouteException e) {
                throw new LabelException(label, value, "is not valid: " + e.getMessage());
            }
        }
        if (hosts.isEmpty()) {
            throw new LabelException(label, value, "names no host");
        }
        return hosts;
    }

    static String path(String label, String value) throws LabelException {
        try {
            return RoutePaths.prefix(value);
        } catch (InvalidRouteException e) {
            throw new LabelException(label, value, "is not valid: " + e.getMessage());
        }
    }

    /** nginx-proxy's {@code VIRTUAL_DEST=/}: the path prefix is taken away; other rewrites are not supported. */
    static void dest(String value, Map<String, String> options) throws LabelException {
        if (value == null || value.isBlank()) {
            return;
        }
        if (!value.trim().equals("/")) {
            throw new LabelException(VIRTUAL_DEST, value, "is not supported: only VIRTUAL_DEST=/ (strip the path prefix)");
        }
        options.put(RouteOptions.STRIP_PATH, "true");
    }

    static OptionalInt port(String label, String value) throws LabelException {
        if (value == null || value.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65535) {
                throw new LabelException(label, value, "is not a port (1 to 65535)");
            }
            return OptionalInt.of(port);
        } catch (NumberFormatException e) {
            throw new LabelException(label, value, "is not a number");
        }
    }

    private static String scheme(String label, String value, String fallback) throws LabelException {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String scheme = value.trim().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> scheme;
            // gRPC is HTTP/2; its servers take it without TLS and without an upgrade (prior knowledge)
            case BackendUrl.H2C, "grpc" -> BackendUrl.H2C;
            default -> throw new LabelException(label, value, "must be http, https, h2c or grpc");
        };
    }

    private static Optional<String> network(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
}

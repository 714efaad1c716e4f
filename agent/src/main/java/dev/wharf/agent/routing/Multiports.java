package dev.wharf.agent.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.wharf.route.RoutePaths;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

import static dev.wharf.agent.routing.RoutingLabels.OPTION_PREFIX;
import static dev.wharf.agent.routing.RoutingLabels.VIRTUAL_HOST_MULTIPORTS;
import static dev.wharf.agent.routing.RoutingLabels.VIRTUAL_PORT;

/**
 * nginx-proxy's {@code VIRTUAL_HOST_MULTIPORTS}: YAML or JSON (which YAML reads too), host to (nothing, or path to
 * (nothing, or {@code port} and {@code dest})). It replaces VIRTUAL_HOST, VIRTUAL_PORT, VIRTUAL_PATH and VIRTUAL_DEST.
 */
final class Multiports {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Multiports() {
    }

    static List<RoutingLabels.Spec> parse(String value, String scheme, Map<String, String> options) throws LabelException {
        JsonNode root;
        try {
            root = YAML.readTree(value);
        } catch (Exception e) {
            throw new LabelException(VIRTUAL_HOST_MULTIPORTS, value, "is not YAML or JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new LabelException(VIRTUAL_HOST_MULTIPORTS, value, "must map each host to its paths");
        }
        List<RoutingLabels.Spec> routes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> hosts = root.fields(); hosts.hasNext(); ) {
            Map.Entry<String, JsonNode> host = hosts.next();
            Set<String> names = RoutingLabels.hosts(VIRTUAL_HOST_MULTIPORTS, host.getKey());
            JsonNode paths = host.getValue();
            if (paths == null || paths.isNull() || paths.isEmpty()) {
                routes.add(new RoutingLabels.Spec(names, OptionalInt.empty(), VIRTUAL_PORT, scheme,
                        RoutePaths.WHOLE_HOST, RoutingLabels.validated(options, OPTION_PREFIX)));
                continue;
            }
            if (!paths.isObject()) {
                throw new LabelException(VIRTUAL_HOST_MULTIPORTS, value, "maps host " + host.getKey() + " to something other than paths");
            }
            for (Iterator<Map.Entry<String, JsonNode>> entries = paths.fields(); entries.hasNext(); ) {
                routes.add(pathRoute(names, entries.next(), scheme, options));
            }
        }
        return routes;
    }

    /** The hosts named, or none when the value cannot be read. */
    static List<String> hostsOf(String value) {
        List<String> hosts = new ArrayList<>();
        try {
            JsonNode root = YAML.readTree(value);
            if (root != null && root.isObject()) {
                root.fieldNames().forEachRemaining(hosts::add);
            }
        } catch (Exception e) {
            // unreadable: parse() says why
        }
        return hosts;
    }

    private static RoutingLabels.Spec pathRoute(Set<String> hosts, Map.Entry<String, JsonNode> path, String scheme,
                                                Map<String, String> options) throws LabelException {
        JsonNode settings = path.getValue();
        Map<String, String> own = new TreeMap<>(options);
        OptionalInt port = OptionalInt.empty();
        if (settings != null && settings.isObject()) {
            if (settings.has("port")) {
                port = RoutingLabels.port(VIRTUAL_HOST_MULTIPORTS, settings.get("port").asText());
            }
            if (settings.has("dest")) {
                RoutingLabels.dest(settings.get("dest").asText(), own);
            }
        }
        return new RoutingLabels.Spec(hosts, port, VIRTUAL_HOST_MULTIPORTS, scheme,
                RoutingLabels.path(VIRTUAL_HOST_MULTIPORTS, path.getKey()), RoutingLabels.validated(own, OPTION_PREFIX));
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}

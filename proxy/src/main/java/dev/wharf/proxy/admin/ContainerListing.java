package dev.wharf.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/containers}: every container an agent has seen with routing labels, routed or not and why
 * ({@code wharf:status:<agentId>}, "why not routed?"), with the agent that saw it; {@code ?host=} keeps those that
 * ask for that host. The admin port is trusted, so the full detail (label values) is shown here.
 */
public final class ContainerListing implements HttpHandler {

    private final RedisConnection redis;
    private final RouteKeys keys;

    public ContainerListing(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String host = AdminJson.query(exchange).get("host");
        host = host == null ? null : host.toLowerCase(Locale.ROOT);
        try {
            AdminJson.send(exchange, 200, Map.of("containers", containers(host)));
        } catch (Exception e) {
            AdminJson.send(exchange, 503, Map.of("error", "route store unavailable: " + e.getMessage()));
        }
    }

    /** The statuses, of all containers or of those asking for {@code host}; sorted by container name. */
    List<JsonNode> containers(String host) throws Exception {
        RedisAsyncCommands<String, String> r = redis.async().toCompletableFuture().get(5, TimeUnit.SECONDS);
        String pattern = keys.containerStatuses("*");
        String prefix = pattern.substring(0, pattern.length() - 1);
        List<JsonNode> found = new ArrayList<>();
        for (String key : RouteInventory.scan(r, pattern)) {
            for (Map.Entry<String, String> entry : r.hgetall(key).get(5, TimeUnit.SECONDS).entrySet()) {
                try {
                    ObjectNode status = (ObjectNode) AdminJson.MAPPER.readTree(entry.getValue());
                    if (host == null || hasHost(status, host)) {
                        status.put("id", entry.getKey());
                        status.put("agent", key.substring(prefix.length()));
                        found.add(status);
                    }
                } catch (IOException | ClassCastException e) {
                    // an unreadable status says nothing
                }
            }
        }
        found.sort(Comparator.comparing(status -> status.path("container").asText()));
        return found;
    }

    private static boolean hasHost(JsonNode status, String host) {
        for (JsonNode asked : status.path("hosts")) {
            if (asked.asText().equals(host)) {
                return true;
            }
        }
        return false;
    }
}

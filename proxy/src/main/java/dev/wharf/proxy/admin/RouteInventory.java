package dev.wharf.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.route.Hosts;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every route in Redis, read for operators: {@code frontend:*} scanned (bounded by {@link #MAX_ROUTES}), then each
 * route's list, dead marks and options in one pipelined batch, and the container an agent recorded for each backend.
 * Blocking: the admin port's thread only.
 */
final class RouteInventory {

    /** A bound on one read: past it the listing says it is truncated rather than load Redis without end. */
    static final int MAX_ROUTES = 50_000;

    record Backend(String url, boolean dead, String container) {
    }

    record Route(String key, String host, String path, String rule, String identifier, List<Backend> backends,
                 Map<String, String> options) {
    }

    /** One read: the routes, sorted by key, and whether there were more than {@link #MAX_ROUTES}. */
    record Read(List<Route> routes, boolean truncated) {
    }

    private final RedisConnection redis;
    private final RouteKeys keys;

    RouteInventory(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
    }

    /** Scans {@code frontend:*}, then reads every route's list, dead marks and options in one pipelined batch. */
    Read read() throws Exception {
        RedisAsyncCommands<String, String> r = redis.async().toCompletableFuture().get(5, TimeUnit.SECONDS);
        String frontendPrefix = keys.frontend("");
        List<String> routeKeys = scan(r, frontendPrefix + "*");
        boolean truncated = routeKeys.size() > MAX_ROUTES;
        if (truncated) {
            routeKeys = routeKeys.subList(0, MAX_ROUTES);
        }
        Map<String, String> containers = containers(r);
        List<RedisFuture<List<String>>> lists = new ArrayList<>();
        List<RedisFuture<Set<String>>> deads = new ArrayList<>();
        List<RedisFuture<Map<String, String>>> options = new ArrayList<>();
        for (String key : routeKeys) {
            String route = key.substring(frontendPrefix.length());
            lists.add(r.lrange(key, 0, -1));
            deads.add(r.smembers(keys.dead(route)));
            options.add(r.hgetall(keys.options(route)));
        }
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < routeKeys.size(); i++) {
            List<String> list = lists.get(i).get(5, TimeUnit.SECONDS);
            if (list.isEmpty()) {
                continue; // deleted since the scan
            }
            String route = routeKeys.get(i).substring(frontendPrefix.length());
            Set<String> deadIndexes = deads.get(i).get(5, TimeUnit.SECONDS);
            int slash = route.indexOf('/');
            String host = slash < 0 ? route : route.substring(0, slash);
            String path = slash < 0 ? "" : route.substring(slash);
            List<Backend> backends = new ArrayList<>();
            for (int b = 1; b < list.size(); b++) {
                String url = list.get(b);
                backends.add(new Backend(url, deadIndexes.contains(Integer.toString(b - 1)), containers.get(route + " " + url)));
            }
            routes.add(new Route(route, host, path, rule(host), list.get(0), backends, options.get(i).get(5, TimeUnit.SECONDS)));
        }
        routes.sort((a, b) -> a.key().compareTo(b.key()));
        return new Read(List.copyOf(routes), truncated);
    }

    /** The keys matching {@code pattern}, {@code SCAN}ned (never {@code KEYS}), at most a bit over {@link #MAX_ROUTES}. */
    static List<String> scan(RedisAsyncCommands<String, String> r, String pattern) throws Exception {
        List<String> found = new ArrayList<>();
        ScanArgs args = ScanArgs.Builder.matches(pattern).limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = r.scan(cursor, args).get(5, TimeUnit.SECONDS);
            found.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished() && found.size() <= MAX_ROUTES);
        return found;
    }

    /** {@code "<host><path> <backend>"} to the container an agent recorded it for (SPEC §1 agent records). */
    private Map<String, String> containers(RedisAsyncCommands<String, String> r) throws Exception {
        Map<String, String> containers = new HashMap<>();
        for (String agent : scan(r, keys.agentRecords("*"))) {
            for (String json : r.hgetall(agent).get(5, TimeUnit.SECONDS).values()) {
                try {
                    JsonNode record = AdminJson.MAPPER.readTree(json);
                    for (JsonNode route : record.path("routes")) {
                        containers.put(route.path("host").asText() + route.path("path").asText("") + " "
                                + route.path("backend").asText(), record.path("container").asText());
                    }
                } catch (IOException e) {
                    // An unreadable record names no container; the route is listed all the same.
                }
            }
        }
        return containers;
    }

    /** The lookup rule that reaches a frontend: the kind of name decides it (SPEC §1). */
    static String rule(String host) {
        if (host.equals(Hosts.CATCH_ALL)) {
            return "catch-all";
        }
        if (host.startsWith(Hosts.WILDCARD_PREFIX)) {
            return "wildcard";
        }
        return Hosts.isShortName(host) ? "short name (xip)" : "exact";
    }

}

package dev.wharf.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.admin.AdminServer;
import dev.wharf.proxy.metrics.FrontendTraffic;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/frontends?q=&offset=&limit=}: every route in Redis (not only those this proxy has seen), with
 * its rule kind, backends (dead in Redis or here, and the container an agent wrote each for), options and this
 * proxy's traffic for it; filtered by {@code q} and paged, so that the dashboard stays quick with 10,000 routes.
 * Redis is read at most once per {@link #FRESH_MILLIS} whatever the number of open dashboards, on the admin
 * port's own thread (never an event loop).
 */
public final class FrontendListing implements HttpHandler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FRESH_MILLIS = 1500;
    /** A bound on one read: past it the listing says it is truncated rather than load Redis without end. */
    static final int MAX_ROUTES = 50_000;
    private static final int MAX_LIMIT = 500;

    record Backend(String url, boolean dead, String container) {
    }

    record Route(String key, String host, String path, String rule, String identifier, List<Backend> backends,
                 Map<String, String> options) {
    }

    private record Snapshot(List<Route> routes, boolean truncated, long takenMillis) {
    }

    private final RedisConnection redis;
    private final RouteKeys keys;
    private final DeadBackends dead;
    private final ProxyMetrics metrics;
    private Snapshot snapshot;

    public FrontendListing(RedisConnection redis, DeadBackends dead, ProxyMetrics metrics) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
        this.dead = dead;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Snapshot current;
        try {
            current = snapshot();
        } catch (Exception e) {
            send(exchange, 503, Map.of("error", "route store unavailable: " + e.getMessage()));
            return;
        }
        String q = query.getOrDefault("q", "").trim().toLowerCase(Locale.ROOT);
        int offset = number(query.get("offset"), 0, Integer.MAX_VALUE, 0);
        int limit = number(query.get("limit"), 1, MAX_LIMIT, 100);
        List<Route> matched = q.isEmpty() ? current.routes() : current.routes().stream().filter(r -> matches(r, q)).toList();
        List<Map<String, Object>> page = new ArrayList<>();
        for (Route route : matched.subList(Math.min(offset, matched.size()), Math.min(offset + limit, matched.size()))) {
            page.add(describe(route));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("total", current.routes().size());
        answer.put("matched", matched.size());
        answer.put("offset", offset);
        answer.put("limit", limit);
        answer.put("truncated", current.truncated());
        answer.put("readAt", current.takenMillis());
        answer.put("bucketsMicros", FrontendTraffic.BUCKET_MICROS);
        answer.put("frontends", page);
        send(exchange, 200, answer);
    }

    private static boolean matches(Route route, String q) {
        if (route.key().contains(q)) {
            return true;
        }
        for (Backend backend : route.backends()) {
            if (backend.url().contains(q) || (backend.container() != null && backend.container().toLowerCase(Locale.ROOT).contains(q))) {
                return true;
            }
        }
        return false;
    }

    private Map<String, Object> describe(Route route) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("key", route.key());
        row.put("host", route.host());
        row.put("path", route.path().isEmpty() ? "/" : route.path());
        row.put("rule", route.rule());
        row.put("identifier", route.identifier());
        List<Map<String, Object>> backends = new ArrayList<>();
        for (Backend backend : route.backends()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("url", backend.url());
            entry.put("dead", backend.dead() || deadHere(backend.url()));
            entry.put("container", backend.container());
            backends.add(entry);
        }
        row.put("backends", backends);
        row.put("options", new TreeMap<>(route.options()).entrySet().stream()
                .map(e -> e.getKey().equals("auth") ? "auth" : e.getKey() + "=" + e.getValue()).toList());
        FrontendTraffic traffic = metrics.traffic(route.key());
        if (traffic != null) {
            row.put("statusClasses", traffic.byStatusClass());
            row.put("durationBuckets", traffic.durationBuckets());
        }
        return row;
    }

    private boolean deadHere(String url) {
        try {
            return dead.isDead(BackendUrl.parse(url));
        } catch (InvalidRouteException e) {
            return false;
        }
    }

    private synchronized Snapshot snapshot() throws Exception {
        long now = System.currentTimeMillis();
        if (snapshot == null || now - snapshot.takenMillis() >= FRESH_MILLIS) {
            snapshot = read(now);
        }
        return snapshot;
    }

    /** Scans {@code frontend:*}, then reads every route's list, dead marks and options in one pipelined batch. */
    private Snapshot read(long now) throws Exception {
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
        return new Snapshot(List.copyOf(routes), truncated, now);
    }

    private static List<String> scan(RedisAsyncCommands<String, String> r, String pattern) throws Exception {
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
                    JsonNode record = JSON.readTree(json);
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

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    private static int number(String value, int min, int max, int fallback) {
        try {
            return value == null ? fallback : Math.max(min, Math.min(max, Integer.parseInt(value)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        AdminServer.respond(exchange, status, "application/json", JSON.writeValueAsString(body) + "\n");
    }
}

package dev.wharf.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.proxy.metrics.FrontendTraffic;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.store.RedisConnection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/frontends?q=&offset=&limit=}: every route in Redis (not only those this proxy has seen), with
 * its rule kind, backends (dead in Redis or here, and the container an agent wrote each for), options and this
 * proxy's traffic for it; filtered by {@code q} and paged, so that the dashboard stays quick with 10,000 routes.
 * Redis is read at most once per {@link #FRESH_MILLIS} whatever the number of open dashboards, on the admin
 * port's own thread (never an event loop).
 */
public final class FrontendListing implements HttpHandler {

    private static final long FRESH_MILLIS = 1500;
    private static final int MAX_LIMIT = 500;

    private record Snapshot(List<RouteInventory.Route> routes, boolean truncated, long takenMillis) {
    }

    private final RouteInventory inventory;
    private final DeadBackends dead;
    private final ProxyMetrics metrics;
    private Snapshot snapshot;

    public FrontendListing(RedisConnection redis, DeadBackends dead, ProxyMetrics metrics) {
        this.inventory = new RouteInventory(redis);
        this.dead = dead;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Map<String, String> query = AdminJson.query(exchange);
        Snapshot current;
        try {
            current = snapshot();
        } catch (Exception e) {
            AdminJson.sendCompact(exchange, 503, Map.of("error", "route store unavailable: " + e.getMessage()));
            return;
        }
        String q = query.getOrDefault("q", "").trim().toLowerCase(Locale.ROOT);
        int offset = number(query.get("offset"), 0, Integer.MAX_VALUE, 0);
        int limit = number(query.get("limit"), 1, MAX_LIMIT, 100);
        List<RouteInventory.Route> matched = q.isEmpty() ? current.routes() : current.routes().stream().filter(r -> matches(r, q)).toList();
        List<Map<String, Object>> page = new ArrayList<>();
        for (RouteInventory.Route route : matched.subList(Math.min(offset, matched.size()), Math.min(offset + limit, matched.size()))) {
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
        AdminJson.sendCompact(exchange, 200, answer);
    }

    private static boolean matches(RouteInventory.Route route, String q) {
        if (route.key().contains(q)) {
            return true;
        }
        for (RouteInventory.Backend backend : route.backends()) {
            if (backend.url().contains(q) || (backend.container() != null && backend.container().toLowerCase(Locale.ROOT).contains(q))) {
                return true;
            }
        }
        return false;
    }

    private Map<String, Object> describe(RouteInventory.Route route) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("key", route.key());
        row.put("host", route.host());
        row.put("path", route.path().isEmpty() ? "/" : route.path());
        row.put("rule", route.rule());
        row.put("identifier", route.identifier());
        List<Map<String, Object>> backends = new ArrayList<>();
        for (RouteInventory.Backend backend : route.backends()) {
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
            RouteInventory.Read read = inventory.read();
            snapshot = new Snapshot(read.routes(), read.truncated(), now);
        }
        return snapshot;
    }

    private static int number(String value, int min, int max, int fallback) {
        try {
            return value == null ? fallback : Math.max(min, Math.min(max, Integer.parseInt(value)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}

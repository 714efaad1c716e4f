package dev.wharf.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.HostRoutes;
import dev.wharf.proxy.route.ResolvedRoute;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.route.Candidate;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.route.LookupOrder;
import dev.wharf.route.RoutePaths;
import dev.wharf.store.RouteStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Read-only JSON: {@code GET /api/routes} lists the hosts this proxy has cached with their backends and dead
 * marks; {@code GET /api/routes/<host>[/<path>]} resolves a host through the whole lookup order, fresh from Redis,
 * and says which rule and which path route matched and the options that apply (a bad hand-written option is
 * left out, as the proxy leaves it out) — the first thing to look at when a route "does not work".
 */
public final class RouteListing implements HttpHandler {

    private static final String PREFIX = "/api/routes";

    private final RouteCache cache;
    private final RouteStore store;
    private final LookupOrder order;
    private final DeadBackends dead;
    private final ContainerListing containers;

    public RouteListing(RouteCache cache, RouteStore store, LookupOrder order, DeadBackends dead, ContainerListing containers) {
        this.containers = containers;
        this.cache = cache;
        this.store = store;
        this.order = order;
        this.dead = dead;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
            Map<String, Object> hosts = new TreeMap<>();
            cache.snapshot().forEach((host, route) -> hosts.put(host, describe(route)));
            AdminJson.send(exchange, 200, Map.of("hosts", hosts));
            return;
        }
        String requested = path.substring(PREFIX.length() + 1);
        int slash = requested.indexOf('/');
        String requestPath = slash < 0 ? "/" : RoutePaths.canonical(requested.substring(slash));
        String host;
        try {
            host = Hosts.requestHost(slash < 0 ? requested : requested.substring(0, slash));
        } catch (InvalidRouteException e) {
            AdminJson.send(exchange, 400, Map.of("error", e.getMessage()));
            return;
        }
        List<Candidate> candidates = order.candidates(host);
        LookupAnswer found;
        try {
            found = store.lookup(host, candidates).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            AdminJson.send(exchange, 503, Map.of("host", host, "error", "route store unavailable: " + e.getMessage()));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("host", host);
        answer.put("path", requestPath);
        answer.put("tried", candidates.stream().map(c -> c.frontend() + " (" + c.rule().name().toLowerCase() + ")").toList());
        try {
            answer.put("containers", containers.containers(host)); // the ones asking for this host, routed or not
        } catch (Exception e) {
            answer.put("containers", "unavailable: " + e.getMessage());
        }
        HostRoutes routes = new HostRoutes(host, found);
        ResolvedRoute matched = routes.match(requestPath);
        if (matched == null) {
            answer.put("matched", null);
            answer.put("whyNot", routes.whyNot());
            answer.putAll(describe(routes));
            AdminJson.send(exchange, 404, answer);
            return;
        }
        answer.put("matched", matched.key());
        answer.put("rule", candidates.stream().filter(c -> c.frontend().equals(matched.frontendHost())).findFirst()
                .map(c -> c.rule().name().toLowerCase()).orElse(null));
        answer.put("route", describe(matched));
        answer.putAll(describe(routes));
        AdminJson.send(exchange, 200, answer);
    }

    private Map<String, Object> describe(HostRoutes routes) {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("frontend", routes.frontendHost());
        if (routes.frontendHost() != null) {
            description.put("routes", routes.routes().stream().map(this::describe).toList());
        }
        return description;
    }

    private Map<String, Object> describe(ResolvedRoute route) {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("path", route.path().isEmpty() ? "/" : route.path());
        description.put("identifier", route.frontend().identifier());
        description.put("options", route.options().fields());
        List<Map<String, Object>> backends = new ArrayList<>();
        for (ResolvedRoute.Backend backend : route.backends()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("url", backend.stored());
            entry.put("usable", backend.usable());
            entry.put("dead", backend.markedDead() || (backend.usable() && dead.isDead(backend.url())));
            backends.add(entry);
        }
        description.put("backends", backends);
        return description;
    }
}

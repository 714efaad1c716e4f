package dev.wharf.proxy.route;

import dev.wharf.route.Frontend;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.RoutePaths;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a request host resolves to: the routes of the first frontend in its lookup order that has any — the
 * whole-host route and the path routes — ordered longest path first, so that the first route covering a
 * request path is the longest prefix (SPEC §6). A path route's host falls back to its whole-host route.
 */
public final class HostRoutes {

    private final String requestHost;
    private final List<ResolvedRoute> routes;
    private final List<String> whyNot;

    public HostRoutes(String requestHost, List<Frontend> frontends) {
        this(requestHost, LookupAnswer.of(frontends));
    }

    public HostRoutes(String requestHost, LookupAnswer answer) {
        this.requestHost = requestHost;
        this.whyNot = answer.whyNot();
        List<Frontend> frontends = answer.routes();
        List<ResolvedRoute> resolved = new ArrayList<>(frontends.size());
        for (Frontend frontend : frontends) {
            if (frontend.path().isEmpty() || validPath(frontend.path())) {
                resolved.add(new ResolvedRoute(requestHost, frontend));
            }
        }
        resolved.sort(Comparator.comparingInt((ResolvedRoute r) -> r.path().length()).reversed());
        this.routes = List.copyOf(resolved);
    }

    /** A hand-written {@code wharf:paths:} member that is no valid prefix never matches anything. */
    private static boolean validPath(String path) {
        try {
            return RoutePaths.prefix(path).equals(path);
        } catch (RuntimeException e) {
            return false;
        }
    }

    public String requestHost() {
        return requestHost;
    }

    /** The frontend host that matched, or null when no candidate had a route. */
    public String frontendHost() {
        return routes.isEmpty() ? null : routes.get(0).frontendHost();
    }

    /** Containers that ask for this host and have no route, and why ("container web-1 is unhealthy"). */
    public List<String> whyNot() {
        return whyNot;
    }

    public List<ResolvedRoute> routes() {
        return routes;
    }

    /** True when some route of this host has a path, so request paths must be compared in canonical form. */
    public boolean hasPaths() {
        return !routes.isEmpty() && !routes.get(0).path().isEmpty();
    }

    /** The route for a canonical request path, or null when the host has none that covers it. */
    public ResolvedRoute match(String path) {
        for (ResolvedRoute route : routes) {
            if (RoutePaths.covers(route.path(), path)) {
                return route;
            }
        }
        return null;
    }
}

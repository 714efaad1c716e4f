package dev.wharf.route;

import java.util.List;

/**
 * What one lookup found: the routes of the first candidate that has any (its whole-host route and path routes),
 * or none; and what the agents say about containers that ask for the request host and have no route
 * ({@code wharf:why:<host>}: "container web-1 is unhealthy"), for the 404 and 502 pages.
 */
public record LookupAnswer(List<Frontend> routes, List<String> whyNot) {

    public LookupAnswer {
        routes = List.copyOf(routes);
        whyNot = List.copyOf(whyNot);
    }

    public static LookupAnswer of(List<Frontend> routes) {
        return new LookupAnswer(routes, List.of());
    }
}

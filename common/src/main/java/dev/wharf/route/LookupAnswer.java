package dev.wharf.route;

import java.util.List;

/**
 * What one lookup found: the routes of the first candidate that has any (its whole-host route and path routes),
 * or none, and then why the request host has none when an agent knows ({@code wharf:why:<host>}: "container
 * web-1 is unhealthy").
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

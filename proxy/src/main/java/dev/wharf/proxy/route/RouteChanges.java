package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;

import java.util.List;
import java.util.function.Consumer;

/**
 * What this proxy does when Redis says something changed, whoever says it: a message on a channel
 * ({@link RouteEvents}) or an invalidated key ({@link KeyTracking}). Both may report one change; each reaction is
 * harmless twice. Runs on Lettuce's event loop: in-memory work only.
 */
final class RouteChanges {

    private final RouteCache cache;
    private final DeadBackends dead;
    private final Consumer<String> routeChanged;
    private final Consumer<String> certificateChanged;

    RouteChanges(RouteCache cache, DeadBackends dead, Consumer<String> routeChanged, Consumer<String> certificateChanged) {
        this.cache = cache;
        this.dead = dead;
        this.routeChanged = routeChanged;
        this.certificateChanged = certificateChanged;
    }

    /** A frontend's routes changed: the hosts that resolve to it wait for the new answer. */
    void frontend(String host) {
        dead.forget(cache.evictFrontend(host)); // a changed frontend voids this proxy's marks on it
        routeChanged.accept(host);
    }

    /** A request host's dead marks (or why it has no route) changed: refreshed at its next request. */
    void requestHost(String host) {
        cache.refreshRequestHost(host);
    }

    void certificate(String host) {
        certificateChanged.accept(host);
    }

    /** Changes may have been missed (a reconnect, a flush): every answer is refreshed, and served meanwhile. */
    void everything() {
        cache.refreshAll();
    }

    /** A probe found a marked backend answering: what this proxy believed about it goes too. */
    void alive(BackendUrl backend) {
        dead.forget(List.of(backend));
    }
}

package dev.wharf.proxy.route;

import dev.wharf.store.RouteKeys;

import java.util.List;

/**
 * What an invalidated Redis key means to the proxy: the pure half of {@link KeyTracking}. The key names come from
 * Redis, so anything unexpected (another program's key under a tracked prefix) means nothing, never an error.
 *
 * @param kind what changed
 * @param host the frontend's or request host's name, without a path
 */
record TrackedKey(Kind kind, String host) {

    enum Kind { FRONTEND, REQUEST_HOST, CERTIFICATE }

    /** The prefixes to track: every key a lookup or a served certificate reads. They must not overlap (Redis refuses). */
    static List<String> prefixes(RouteKeys keys) {
        return List.of(keys.frontend(""), keys.paths(""), keys.options(""), keys.dead(""), keys.why(""), keys.tls(""));
    }

    /** The change a key stands for, or null when it stands for none. */
    static TrackedKey of(RouteKeys keys, String key) {
        String rest;
        if ((rest = after(key, keys.frontend(""))) != null || (rest = after(key, keys.options(""))) != null
                || (rest = after(key, keys.paths(""))) != null) {
            return named(Kind.FRONTEND, rest);
        }
        if ((rest = after(key, keys.dead(""))) != null) {
            // dead:<host>:<url> is a probe's lock, not a mark
            return rest.indexOf(':') >= 0 ? null : named(Kind.REQUEST_HOST, rest);
        }
        if ((rest = after(key, keys.why(""))) != null) {
            return named(Kind.REQUEST_HOST, rest);
        }
        if ((rest = after(key, keys.tls(""))) != null) {
            return named(Kind.CERTIFICATE, rest);
        }
        return null;
    }

    private static String after(String key, String prefix) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : null;
    }

    private static TrackedKey named(Kind kind, String route) {
        int path = route.indexOf('/');
        String host = path < 0 ? route : route.substring(0, path);
        return host.isEmpty() ? null : new TrackedKey(kind, host);
    }
}

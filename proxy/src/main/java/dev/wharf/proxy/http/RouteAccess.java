package dev.wharf.proxy.http;

import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.route.HostRoutes;
import dev.wharf.proxy.route.ResolvedRoute;
import dev.wharf.route.Cidr;
import dev.wharf.route.RouteOptions;
import dev.wharf.route.RoutePaths;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;

import java.net.InetAddress;

/**
 * Between the lookup and a backend (SPEC §6): which route of the host takes the request, and what its options
 * decide, in this order — a redirect answers at once; then the client must be allowed and the body within the
 * limit; basic auth last, being the one check that may have to wait ({@link BasicAuth}). No I/O here: the same
 * request and routes, the same decision.
 */
final class RouteAccess {

    private static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-prefix");

    /**
     * A local answer instead of proxying.
     *
     * @param location     the redirect target, or null
     * @param detail       what the error page says, or null for a redirect
     * @param authenticate the {@code WWW-Authenticate} challenge of a 401, or null
     */
    record Answer(HttpResponseStatus status, String location, String detail, String authenticate) {
        Answer(HttpResponseStatus status, String location, String detail) {
            this(status, location, detail, null);
        }
    }

    /** The route that takes the request, or the answer that replaces proxying it (then route may be null). */
    record Decision(ResolvedRoute route, Answer answer) {
    }

    private RouteAccess() {
    }

    /**
     * Picks the route for the request's path and applies every option but auth. On a host with path routes the
     * path is compared in canonical form, and the request's target is rewritten to it: a backend must not see a
     * path that slipped past a path route's options ({@code /x/../admin}).
     *
     * @param forwardedFor X-Forwarded-For as the client sent it, when it is trusted; else null
     */
    static Decision admit(HostRoutes routes, HttpRequest request, String host, String scheme, InetAddress peer,
                          String forwardedFor) {
        ResolvedRoute route;
        if (routes.hasPaths()) {
            String path = RoutePaths.pathOf(request.uri());
            String canonical = RoutePaths.canonical(path);
            if (!canonical.equals(path)) {
                request.setUri(canonical + request.uri().substring(path.length()));
            }
            route = routes.match(canonical);
            if (route == null) {
                return new Decision(null, new Answer(HttpResponseStatus.NOT_FOUND, null,
                        "no route for host " + host + " and path " + RequestRules.printable(canonical)));
            }
        } else {
            route = routes.routes().get(0); // only the allocation-free path for hosts without path routes
        }
        return new Decision(route, check(route.options(), request, scheme, host, peer, forwardedFor));
    }

    /** Null when the request may go on (to auth, then a backend). */
    static Answer check(RouteOptions options, HttpRequest request, String scheme, String host, InetAddress peer,
                        String forwardedFor) {
        if (options.isEmpty()) {
            return null;
        }
        if (options.redirect() != null) {
            return new Answer(HttpResponseStatus.PERMANENT_REDIRECT, options.redirect() + request.uri(), null);
        }
        if (options.httpsRedirect() && scheme.equals("http")) {
            return new Answer(HttpResponseStatus.PERMANENT_REDIRECT, "https://" + host + request.uri(), null);
        }
        if (!options.allow().isEmpty()) {
            InetAddress client = client(peer, forwardedFor);
            if (!allowed(options, client)) {
                return new Answer(HttpResponseStatus.FORBIDDEN, null,
                        "client " + (client == null ? "with no IP address" : client.getHostAddress()) + " is not allowed on " + host);
            }
        }
        if (options.maxBody() >= 0) {
            long length = HttpUtil.getContentLength(request, -1L);
            if (length > options.maxBody()) {
                return new Answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, null, "request body of " + length
                        + " bytes is over the limit of " + options.maxBody() + " bytes for " + host);
            }
        }
        return null;
    }

    /** What a basic-auth verdict answers, or null when the request may go on. */
    static Answer afterAuth(BasicAuth.Verdict verdict, String host) {
        return switch (verdict) {
            case ALLOWED -> null;
            case BUSY -> new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, null, "too many password checks under way, try again");
            case DENIED -> new Answer(HttpResponseStatus.UNAUTHORIZED, null, "credentials required for " + host,
                    "Basic realm=\"" + host + "\", charset=\"UTF-8\"");
        };
    }

    /** The target as the route's backend gets it: the path prefix taken away when the route says so. */
    static void rewriteForBackend(ResolvedRoute route, HttpRequest request) {
        if (route.options().stripPath() && !route.path().isEmpty()) {
            String path = RoutePaths.pathOf(request.uri());
            request.setUri(RoutePaths.strip(route.path(), path) + request.uri().substring(path.length()));
            request.headers().set(X_FORWARDED_PREFIX, route.path());
        }
    }

    private static boolean allowed(RouteOptions options, InetAddress client) {
        if (client == null) {
            return false;
        }
        for (Cidr cidr : options.allow()) {
            if (cidr.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client an allow-list judges: the peer, or with {@code --trust-forwarded} the address the trusted proxy
     * in front appended last to {@code X-Forwarded-For} (earlier entries are the client's own say).
     */
    static InetAddress client(InetAddress peer, String forwardedFor) {
        if (forwardedFor == null || forwardedFor.isBlank()) {
            return peer;
        }
        int comma = forwardedFor.lastIndexOf(',');
        return Cidr.address(comma < 0 ? forwardedFor : forwardedFor.substring(comma + 1));
    }
}

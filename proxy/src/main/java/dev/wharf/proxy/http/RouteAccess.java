package dev.wharf.proxy.http;

import dev.wharf.route.Cidr;
import dev.wharf.route.RouteOptions;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

import java.net.InetAddress;

/**
 * What a route's options decide about a request before a backend sees it (SPEC §6), in this order: a redirect
 * answers at once; then the client must be allowed, the body within the limit. Basic auth comes after these,
 * being the one check that may have to wait. Pure: the same request and options, the same answer.
 */
final class RouteAccess {

    /**
     * A local answer instead of proxying.
     *
     * @param location the redirect target, or null
     * @param detail   what the error page says, or null for a redirect
     */
    record Answer(HttpResponseStatus status, String location, String detail) {
    }

    private RouteAccess() {
    }

    /** Null when the request may go on (to auth, then a backend). */
    static Answer check(RouteOptions options, HttpRequest request, String scheme, String host, InetAddress client) {
        if (options.isEmpty()) {
            return null;
        }
        if (options.redirect() != null) {
            return new Answer(HttpResponseStatus.PERMANENT_REDIRECT, options.redirect() + request.uri(), null);
        }
        if (options.httpsRedirect() && scheme.equals("http")) {
            return new Answer(HttpResponseStatus.PERMANENT_REDIRECT, "https://" + host + request.uri(), null);
        }
        if (!options.allow().isEmpty() && !allowed(options, client)) {
            return new Answer(HttpResponseStatus.FORBIDDEN, null,
                    "client " + (client == null ? "with no IP address" : client.getHostAddress()) + " is not allowed on " + host);
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

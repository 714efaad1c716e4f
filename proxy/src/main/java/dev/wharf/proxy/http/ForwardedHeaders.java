package dev.wharf.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Header rewriting at the proxy (RFC 9110 §7.6): hop-by-hop headers go, {@code Host} passes unchanged,
 * and the {@code X-Forwarded-*} family describes the client. Client-sent forwarding headers are not
 * trusted unless configured, since anyone can send them (Hipache kept them and reported https as http).
 */
final class ForwardedHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION, KEEP_ALIVE,
            PROXY_CONNECTION, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE};

    private ForwardedHeaders() {
    }

    /**
     * Removes hop-by-hop headers, and those the {@code Connection} header names. Transfer-Encoding stays:
     * Netty frames the body by it, and only {@code chunked} gets this far.
     */
    static void removeHopByHop(HttpHeaders headers) {
        if (headers.isEmpty()) {
            return;
        }
        // Runs twice per request: the Connection tokens are cut out without split() and its regex array.
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            int start = 0;
            while (start <= connection.length()) {
                int comma = connection.indexOf(',', start);
                int end = comma < 0 ? connection.length() : comma;
                String name = connection.substring(start, end).trim();
                if (!name.isEmpty() && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                        && !HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(name)
                        && !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(name)) {
                    headers.remove(name);
                }
                start = end + 1;
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * Rewrites a request for a backend; keeps {@code Upgrade} for protocol switches (WebSocket), and
     * {@code TE: trailers} when the client sent it: the proxy relays trailers, and gRPC servers refuse a call
     * without it.
     */
    static void forRequest(HttpHeaders headers, String clientIp, String scheme, String port, boolean trustClient,
                           boolean upgrade) {
        String upgradeTo = upgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
        boolean trailers = acceptsTrailers(headers);
        removeHopByHop(headers);
        if (upgradeTo != null) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
        }
        if (trailers) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        String forwardedFor = trustClient ? headers.get(X_FORWARDED_FOR) : null;
        headers.set(X_FORWARDED_FOR, forwardedFor == null || forwardedFor.isBlank() ? clientIp : forwardedFor + ", " + clientIp);
        if (!trustClient || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, scheme);
        }
        if (!trustClient || !headers.contains(X_FORWARDED_PORT)) {
            headers.set(X_FORWARDED_PORT, port);
        }
        if (!trustClient || !headers.contains(X_FORWARDED_HOST)) {
            String host = headers.get(HttpHeaderNames.HOST);
            if (host != null) {
                headers.set(X_FORWARDED_HOST, host);
            }
        }
        if (!trustClient || !headers.contains(X_REAL_IP)) {
            headers.set(X_REAL_IP, clientIp);
        }
    }

    /** True when a {@code TE} header lists {@code trailers} (RFC 9110 §10.1.4), e.g. {@code TE: trailers, deflate;q=0.5}. */
    static boolean acceptsTrailers(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.TE)) {
            return false; // the common case, without getAll()'s list
        }
        for (String te : headers.getAll(HttpHeaderNames.TE)) {
            for (String coding : te.split(",")) {
                int parameters = coding.indexOf(';');
                String name = (parameters < 0 ? coding : coding.substring(0, parameters)).trim();
                if (HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(name)) {
                    return true;
                }
            }
        }
        return false;
    }
}

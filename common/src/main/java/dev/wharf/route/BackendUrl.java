package dev.wharf.route;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A backend as written in a {@code frontend:} list: {@code http://ip:port}, {@code https://ip:port} or
 * {@code h2c://ip:port}. The scheme says how the proxy speaks to the backend: HTTP/1.1, HTTP/1.1 over TLS, or
 * HTTP/2 with prior knowledge (gRPC servers). Hipache ignored it, so a Hipache proxy reading an {@code h2c}
 * route speaks HTTP/1.1 to it.
 */
public record BackendUrl(String scheme, String host, int port) {

    public static final String H2C = "h2c";

    public BackendUrl {
        if (!known(scheme)) {
            throw new InvalidRouteException("backend scheme must be http, https or h2c, not '" + scheme + "'");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidRouteException("backend port must be 1 to 65535, not " + port);
        }
    }

    public static BackendUrl http(String host, int port) {
        return new BackendUrl("http", host, port);
    }

    /** Parses {@code scheme://host[:port][/]}; the port defaults to the scheme's. */
    public static BackendUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidRouteException("empty backend URL");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new InvalidRouteException("invalid backend URL '" + url + "': " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!known(scheme)) {
            throw new InvalidRouteException("invalid backend URL '" + url + "': scheme must be http, https or h2c");
        }
        if (uri.getHost() == null) {
            throw new InvalidRouteException("invalid backend URL '" + url + "': no host");
        }
        boolean hasPath = uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/");
        if (hasPath || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new InvalidRouteException("invalid backend URL '" + url + "': only scheme://host:port is allowed");
        }
        int port = uri.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : uri.getPort();
        return new BackendUrl(scheme, uri.getHost().toLowerCase(Locale.ROOT), port);
    }

    private static boolean known(String scheme) {
        return scheme.equals("http") || scheme.equals("https") || scheme.equals(H2C);
    }

    /** The canonical form stored in Redis, e.g. {@code http://172.18.0.5:80}. */
    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}

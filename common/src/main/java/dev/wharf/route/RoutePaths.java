package dev.wharf.route;

import java.util.Collection;

/**
 * Path prefixes of path routes (SPEC §6): {@code ""} is the whole host, otherwise {@code /a/b} with no trailing
 * slash. A prefix covers a request path on segment boundaries only ({@code /api} covers {@code /api} and
 * {@code /api/x}, never {@code /apix}), and the longest covering prefix wins.
 *
 * <p>Request paths are compared in a canonical form (RFC 3986 §6.2.2: dot segments removed, percent-encoded
 * unreserved characters decoded), so {@code /%61dmin} or {@code /x/../admin} cannot slip past an
 * {@code /admin} route's options to a plainer route; the proxy then forwards that canonical form.
 */
public final class RoutePaths {

    public static final String WHOLE_HOST = "";
    private static final int MAX_LENGTH = 256;

    private RoutePaths() {
    }

    /** Normalises a prefix a user registers ({@code VIRTUAL_PATH}, a {@code wharf:paths:} member). */
    public static String prefix(String value) {
        if (value == null) {
            return WHOLE_HOST;
        }
        String path = value.trim();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return WHOLE_HOST;
        }
        if (path.charAt(0) != '/') {
            throw new InvalidRouteException("path '" + value + "' must start with /");
        }
        if (path.length() > MAX_LENGTH) {
            throw new InvalidRouteException("path '" + value + "' is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (!allowed(c)) {
                throw new InvalidRouteException("path '" + value + "' has a character not allowed in a route path: '"
                        + (c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c)) + "'");
            }
        }
        if (!canonical(path).equals(path)) {
            throw new InvalidRouteException("path '" + value + "' has an empty, '.' or '..' segment");
        }
        return path;
    }

    /** Letters, digits and the characters RFC 3986 allows in a segment, except '%' (no encoded prefixes). */
    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "/-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    /** True when the prefix covers the (canonical) request path. */
    public static boolean covers(String prefix, String path) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    /** The longest prefix among {@code prefixes} that covers the path, or null. */
    public static String longest(Collection<String> prefixes, String path) {
        String best = null;
        for (String prefix : prefixes) {
            if (covers(prefix, path) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best;
    }

    /** The path with the prefix taken away ({@code /api/x} under {@code /api} is {@code /x}), never empty. */
    public static String strip(String prefix, String path) {
        String rest = path.substring(prefix.length());
        return rest.isEmpty() ? "/" : rest;
    }

    /** The path part of an origin-form target ({@code /a?b} is {@code /a}). */
    public static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /**
     * The canonical form of a request path: percent-encoded unreserved characters decoded, dot segments
     * (also encoded ones, after decoding) and empty segments removed; the canonical form of a canonical form is
     * itself. Returns the argument itself when it is already canonical, the common case, without allocating.
     */
    public static String canonical(String path) {
        if (path.indexOf('%') < 0 && path.indexOf("/.") < 0 && path.indexOf("//") < 0) {
            return path;
        }
        // Until nothing changes: a decoded escape can complete a new one ("%6%31" is "%61" after one pass), and a
        // backend decoding what is forwarded must not find a path other than the one matched. Each pass that
        // changes something shortens the path, so this ends.
        String current = path;
        for (String next = once(current); !next.equals(current); next = once(current)) {
            current = next;
        }
        return current.equals(path) ? path : current;
    }

    private static String once(String path) {
        String decoded = decodeUnreserved(path);
        StringBuilder out = new StringBuilder(decoded.length());
        int i = 0;
        while (i < decoded.length()) {
            int end = decoded.indexOf('/', i + 1);
            if (end < 0) {
                end = decoded.length();
            }
            String segment = decoded.substring(i, end); // starts with '/' (or is the start of a relative path)
            if (segment.equals("/.") || segment.equals("/")) {
                if (end == decoded.length()) {
                    out.append('/');
                }
            } else if (segment.equals("/..")) {
                int cut = out.lastIndexOf("/");
                out.setLength(Math.max(cut, 0));
                if (end == decoded.length()) {
                    out.append('/');
                }
            } else {
                out.append(segment);
            }
            i = end;
        }
        if (out.length() == 0 || out.charAt(0) != '/') {
            out.insert(0, '/');
        }
        return out.toString();
    }

    private static String decodeUnreserved(String path) {
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int value = hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2));
                if (value >= 0 && unreserved((char) value)) {
                    out.append((char) value);
                    i += 2;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static int hex(char c) {
        int digit = Character.digit(c, 16);
        return digit < 0 ? -1000 : digit;
    }
}

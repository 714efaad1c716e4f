package dev.wharf.route;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Host name normalisation. Unlike Hipache, the host is always lower-cased, with or without a port.
 *
 * <p>Two flavours: {@link #requestHost} for a {@code Host} header (a port is stripped) and
 * {@link #frontendHost} for a name a user registers (a port is an error, {@code *} wildcards allowed).
 */
public final class Hosts {

    public static final String CATCH_ALL = "*";
    public static final String WILDCARD_PREFIX = "*.";

    /** The longest name DNS allows, and so the longest host a route can be registered for. */
    public static final int MAX_LENGTH = 253;
    // Labels: letters, digits, '-' inside, and '_' (not valid DNS, but common in container names and
    // Hipache's __ping__).
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9a-f:.]+]");

    private Hosts() {
    }

    /** Normalises a {@code Host} header: port stripped, lower-cased, trailing dot removed, then validated. */
    public static String requestHost(String header) {
        if (header == null || header.isBlank()) {
            throw new InvalidRouteException("empty host");
        }
        String host = header.trim().toLowerCase(Locale.ROOT);
        int portStart = host.startsWith("[") ? host.indexOf("]:") + 1 : host.lastIndexOf(':');
        if (portStart > 0) {
            String port = host.substring(portStart + 1);
            if (!port.chars().allMatch(Character::isDigit)) {
                throw new InvalidRouteException("invalid port in host '" + header + "'");
            }
            host = host.substring(0, portStart);
        }
        host = stripTrailingDot(host);
        if (host.startsWith("[") && IPV6_LITERAL.matcher(host).matches()) {
            return host;
        }
        requireValidName(host, header);
        return host;
    }

    /**
     * Normalises a host a user registers (a {@code VIRTUAL_HOST} entry, a {@code frontend:} key):
     * trimmed, lower-cased, trailing dot removed; {@code *} or a leading {@code *.} allowed, no port.
     */
    public static String frontendHost(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidRouteException("empty host");
        }
        String host = stripTrailingDot(name.trim().toLowerCase(Locale.ROOT));
        if (host.equals(CATCH_ALL)) {
            return host;
        }
        if (host.contains(":")) {
            throw new InvalidRouteException("host '" + name + "' must not contain a port (use VIRTUAL_PORT)");
        }
        requireValidName(host.startsWith(WILDCARD_PREFIX) ? host.substring(2) : host, name);
        return host;
    }

    /** True when the name has no dot, so it can be expanded under configured domains ({@code blog}). */
    public static boolean isShortName(String host) {
        return !host.contains(".") && !host.equals(CATCH_ALL);
    }

    private static String stripTrailingDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    /** A hand-written scan, not a regex: this runs for every proxied request. */
    private static void requireValidName(String host, String original) {
        if (host.isEmpty() || host.length() > MAX_LENGTH) {
            throw new InvalidRouteException("invalid host '" + original + "': length must be 1 to " + MAX_LENGTH);
        }
        int labelStart = 0;
        for (int i = 0; i <= host.length(); i++) {
            if (i == host.length() || host.charAt(i) == '.') {
                requireValidLabel(host, labelStart, i, original);
                labelStart = i + 1;
            }
        }
    }

    private static void requireValidLabel(String host, int start, int end, String original) {
        int length = end - start;
        boolean valid = length >= 1 && length <= 63 && host.charAt(start) != '-' && host.charAt(end - 1) != '-';
        for (int i = start; valid && i < end; i++) {
            char c = host.charAt(i);
            valid = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }
        if (!valid) {
            throw new InvalidRouteException("invalid host '" + original + "': '" + host.substring(start, end)
                    + "' is not a DNS label (letters, digits, '-', at most 63 characters)");
        }
    }
}

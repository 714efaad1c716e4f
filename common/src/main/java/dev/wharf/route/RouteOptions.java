package dev.wharf.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of one route (SPEC §6), as stored in {@code wharf:options:<host><path>}: field names are the labels
 * without {@code wharf.}. Parsed by the agent from labels (a bad value skips the container) and by the proxy from
 * Redis (a bad hand-written value is dropped with one log line; the rest of the route works).
 *
 * @param fields       the valid options in their stored form, sorted by name
 * @param maxBody      request body limit in bytes, or -1 for none
 * @param timeout      backend response timeout, or null for the proxy's
 * @param sticky       cookie name, or null
 * @param redirect     URL prefix without a trailing slash, or null
 */
public record RouteOptions(Map<String, String> fields, boolean stripPath, List<User> auth, List<Cidr> allow,
                           String redirect, boolean httpsRedirect, Balance lb, String sticky, long maxBody,
                           Duration timeout, Tls tls) {

    public static final RouteOptions NONE = parse(Map.of()).options();

    public static final String STRIP_PATH = "strip-path";
    public static final String AUTH = "auth";
    public static final String ALLOW = "allow";
    public static final String REDIRECT = "redirect";
    public static final String HTTPS_REDIRECT = "https-redirect";
    public static final String LB = "lb";
    public static final String STICKY = "sticky";
    public static final String MAX_BODY = "max-body";
    public static final String TIMEOUT = "timeout";
    public static final String TLS = "tls";
    public static final List<String> NAMES = List.of(STRIP_PATH, AUTH, ALLOW, REDIRECT, HTTPS_REDIRECT, LB, STICKY,
            MAX_BODY, TIMEOUT, TLS);

    public enum Balance { ROUND_ROBIN, RANDOM, LEAST_CONN }

    public enum Tls { ACME, DEFAULT, OFF }

    /** One basic-auth user: a bcrypt hash as {@code htpasswd -B} writes it. */
    public record User(String name, String bcrypt) {
    }

    /** The options that parsed, and a reason for each field that did not. */
    public record Parsed(RouteOptions options, Map<String, String> problems) {
    }

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
    private static final Pattern USER = Pattern.compile("[^:\\s,]{1,64}");
    private static final Pattern COOKIE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([kmg]?)b?");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)?");
    private static final long MAX_TIMEOUT_MS = Duration.ofHours(1).toMillis();

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    public static Parsed parse(Map<String, String> raw) {
        Map<String, String> fields = new TreeMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        boolean stripPath = false;
        boolean httpsRedirect = false;
        List<User> auth = List.of();
        List<Cidr> allow = List.of();
        String redirect = null;
        Balance lb = Balance.ROUND_ROBIN;
        String sticky = null;
        long maxBody = -1;
        Duration timeout = null;
        Tls tls = Tls.ACME;
        for (Map.Entry<String, String> field : raw.entrySet()) {
            String name = field.getKey();
            String value = field.getValue() == null ? "" : field.getValue().trim();
            try {
                switch (name) {
                    case STRIP_PATH -> stripPath = bool(value);
                    case HTTPS_REDIRECT -> httpsRedirect = bool(value);
                    case AUTH -> auth = users(value);
                    case ALLOW -> allow = cidrs(value);
                    case REDIRECT -> redirect = redirect(value);
                    case LB -> lb = choice(Balance.class, value);
                    case STICKY -> sticky = cookie(value);
                    case MAX_BODY -> maxBody = size(value);
                    case TIMEOUT -> timeout = duration(value);
                    case TLS -> tls = choice(Tls.class, value);
                    default -> throw new InvalidRouteException("is not an option (known: " + String.join(", ", NAMES) + ")");
                }
                fields.put(name, value);
            } catch (InvalidRouteException e) {
                problems.put(name, e.getMessage());
            }
        }
        return new Parsed(new RouteOptions(Map.copyOf(fields), stripPath, auth, allow, redirect, httpsRedirect, lb,
                sticky, maxBody, timeout, tls), problems);
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidRouteException("must be true or false, not '" + value + "'");
        };
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value) {
        String wanted = value.toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted)) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new InvalidRouteException("must be one of " + String.join(", ", names) + ", not '" + value + "'");
    }

    private static List<User> users(String value) {
        List<User> users = new ArrayList<>();
        for (String entry : value.split(",")) {
            String line = entry.trim();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !USER.matcher(line.substring(0, colon)).matches()) {
                throw new InvalidRouteException("must be user:hash entries separated by commas (htpasswd -nB user)");
            }
            String name = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!BCRYPT.matcher(hash).matches()) {
                throw new InvalidRouteException("user '" + name + "' has " + hashKind(hash)
                        + "; only bcrypt hashes are accepted (make one with htpasswd -nB " + name + ")");
            }
            users.add(new User(name, hash));
        }
        if (users.isEmpty()) {
            throw new InvalidRouteException("names no user");
        }
        return List.copyOf(users);
    }

    private static String hashKind(String hash) {
        if (hash.startsWith("$apr1$") || hash.startsWith("$1$")) {
            return "an MD5 hash";
        }
        if (hash.startsWith("{SHA}")) {
            return "a SHA-1 hash";
        }
        if (hash.startsWith("$2")) {
            return "a malformed bcrypt hash (in compose files, write each $ as $$)";
        }
        if (hash.startsWith("$5$") || hash.startsWith("$6$")) {
            return "a SHA-crypt hash";
        }
        return "no recognised hash (a plain password?)";
    }

    private static List<Cidr> cidrs(String value) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String entry : value.split(",")) {
            if (!entry.isBlank()) {
                cidrs.add(Cidr.parse(entry));
            }
        }
        if (cidrs.isEmpty()) {
            throw new InvalidRouteException("names no network");
        }
        return List.copyOf(cidrs);
    }

    private static String redirect(String value) {
        String url = value;
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        String lower = url.toLowerCase(Locale.ROOT);
        int hostStart = lower.startsWith("https://") ? 8 : lower.startsWith("http://") ? 7 : -1;
        if (hostStart < 0) {
            throw new InvalidRouteException("must be an http:// or https:// URL, not '" + value + "'");
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || c == '"' || c == '\\') {
                throw new InvalidRouteException("must be a URL prefix without spaces, query or fragment, not '" + value + "'");
            }
        }
        int pathStart = url.indexOf('/', hostStart);
        String authority = pathStart < 0 ? url.substring(hostStart) : url.substring(hostStart, pathStart);
        if (authority.isEmpty() || authority.contains("@")) {
            throw new InvalidRouteException("must name a host (and no user info), not '" + value + "'");
        }
        return url;
    }

    private static String cookie(String value) {
        if (!COOKIE.matcher(value).matches()) {
            throw new InvalidRouteException("must be a cookie name (letters, digits, _ . -), not '" + value + "'");
        }
        return value;
    }

    private static long size(String value) {
        Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidRouteException("must be a size such as 10m, 512k or 1048576, not '" + value + "'");
        }
        long shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        long bytes = Long.parseLong(m.group(1)) << shift;
        if (bytes <= 0 || bytes >> shift != Long.parseLong(m.group(1))) {
            throw new InvalidRouteException("must be more than 0 bytes, not '" + value + "'");
        }
        return bytes;
    }

    private static Duration duration(String value) {
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidRouteException("must be a duration such as 30s, 500ms or 2m, not '" + value + "'");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long millis = switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 1000;
        };
        if (millis < 1 || millis > MAX_TIMEOUT_MS) {
            throw new InvalidRouteException("must be between 1ms and 1h, not '" + value + "'");
        }
        return Duration.ofMillis(millis);
    }
}

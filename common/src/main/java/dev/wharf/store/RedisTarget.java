package dev.wharf.store;

import io.lettuce.core.RedisURI;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Where the route store lives: a Lettuce {@link RedisURI} plus Hipache's optional key prefix.
 *
 * <p>Accepts {@code redis://[:password@]host[:port][/db]}, {@code rediss://} (TLS), {@code redis-sentinel://}
 * and {@code redis-socket://} as Lettuce does, and Hipache's {@code driver} strings, whose fragment is a key
 * prefix: {@code redis://:pw@host:6379/0#wharf-} (for Sentinel the fragment stays the master id).
 */
public record RedisTarget(RedisURI uri, String prefix) {

    private static final Set<String> SCHEMES =
            Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket");

    public static RedisTarget parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("empty Redis URL");
        }
        String text = url.trim();
        URI parsed;
        try {
            parsed = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid(text, e.getReason());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw invalid(text, "scheme must be one of redis://, rediss://, redis-sentinel://, redis-socket://");
        }
        boolean hipacheStyle = scheme.equals("redis") || scheme.equals("rediss");
        String prefix = "";
        String lettuceUrl = text;
        if (hipacheStyle) {
            prefix = parsed.getRawFragment() == null ? "" : parsed.getFragment();
            int hash = text.indexOf('#');
            lettuceUrl = hash < 0 ? text : text.substring(0, hash);
            requireHostPortDb(text, parsed);
        }
        try {
            return new RedisTarget(RedisURI.create(lettuceUrl), prefix);
        } catch (RuntimeException e) {
            throw invalid(text, e.getMessage());
        }
    }

    private static void requireHostPortDb(String text, URI parsed) {
        if (parsed.getHost() == null) {
            throw invalid(text, "no host (or a port that is not a number)");
        }
        String path = parsed.getPath() == null ? "" : parsed.getPath();
        if (!path.isEmpty() && !path.equals("/") && !path.matches("/\\d+")) {
            throw invalid(text, "the database must be a number, not '" + path.substring(1) + "'");
        }
    }

    private static IllegalArgumentException invalid(String url, String reason) {
        return new IllegalArgumentException("invalid Redis URL '" + redact(url) + "': " + reason);
    }

    /** The URL with any password replaced by {@code ***}, for logs and error messages. */
    public static String redact(String url) {
        return url.replaceAll("(//[^/@]*:)[^/@]*@", "$1***@");
    }

    /** Same as the input URL, password hidden. */
    @Override
    public String toString() {
        return redact(uri.toString()) + (prefix.isEmpty() ? "" : " (prefix '" + prefix + "')");
    }
}

package dev.wharf.proxy.acme;

import java.net.URI;
import java.time.Duration;

/**
 * Automatic HTTPS, on when an e-mail address is given.
 *
 * @param email      the account's contact (setting it accepts the CA's terms of service)
 * @param directory  the CA's RFC 8555 directory URL ({@code https://...}, or acme4j's {@code acme://...} names)
 * @param retryAfter the wait after a first failed order; it doubles with each further failure
 * @param challenge  the challenge answered
 */
public record AcmeSettings(String email, URI directory, Duration retryAfter, Challenge challenge) {

    /** How the CA checks that a host is ours: on port 80 (HTTP-01), or on the HTTPS port (TLS-ALPN-01). */
    public enum Challenge {
        HTTP_01("http-01"), TLS_ALPN_01("tls-alpn-01");

        private final String name;

        Challenge(String name) {
            this.name = name;
        }

        public static Challenge parse(String value) {
            for (Challenge challenge : values()) {
                if (challenge.name.equalsIgnoreCase(value.trim())) {
                    return challenge;
                }
            }
            throw new IllegalArgumentException("must be http-01 or tls-alpn-01, not '" + value + "'");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static final String LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
    public static final int RETRY_AFTER_SECONDS = 60;

    /** Checks a directory URL, naming the option at fault. */
    public static URI directory(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "acme".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("must be an https:// (or acme4j's acme://) URL, not '"
                    + value + "'");
        }
        return uri;
    }

    /** Checks an e-mail address just enough to catch a misplaced value. */
    public static String email(String value) {
        String trimmed = value.trim();
        if (!trimmed.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw new IllegalArgumentException("must be an e-mail address, not '" + value + "'");
        }
        return trimmed;
    }
}

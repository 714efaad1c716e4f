package dev.wharf.proxy.config;

import java.time.Duration;

/**
 * How the proxy treats clients.
 *
 * @param timeout              longest wait for a request head, and for each read of its body
 * @param trustForwarded       keep clients' X-Forwarded-* headers (behind another proxy)
 * @param underscoresInHeaders forward request header names with {@code _} (dropped by default, as nginx does)
 * @param accessLog            a file, {@code stdout}, or {@code off}
 */
public record ClientSettings(Duration timeout, boolean trustForwarded, boolean underscoresInHeaders, String accessLog) {

    public static final int TIMEOUT_SECONDS = 30;
    public static final String ACCESS_LOG = "stdout";

    public ClientSettings withTimeout(Duration changed) {
        return new ClientSettings(changed, trustForwarded, underscoresInHeaders, accessLog);
    }
}

package dev.wharf.proxy.config;

import java.time.Duration;

/**
 * How the proxy treats backends.
 *
 * @param maxSockets     open connections per backend per event loop (Hipache's {@code server.maxSockets})
 * @param connectTimeout longest wait for a connection
 * @param timeout        longest wait for a response head (Hipache's {@code server.tcpTimeout})
 * @param retryOnError   other backends to try after a connect failure (Hipache's {@code server.retryOnError})
 * @param deadTtl        how long a backend stays marked dead (Hipache's {@code server.deadBackendTTL})
 * @param deadOn500      also mark a backend dead when it answers 5xx (Hipache's {@code server.deadBackendOn500})
 * @param keepAlive      reuse backend connections (Hipache's {@code http.keepAlive})
 */
public record BackendSettings(int maxSockets, Duration connectTimeout, Duration timeout, int retryOnError,
                             Duration deadTtl, boolean deadOn500, boolean keepAlive) {

    public static final int MAX_SOCKETS = 100;
    public static final long CONNECT_TIMEOUT_MILLIS = 3000;
    public static final int TIMEOUT_SECONDS = 30;
    public static final int RETRY_ON_ERROR = 3;
    public static final int DEAD_TTL_SECONDS = 30;

    public BackendSettings withTimeout(Duration changed) {
        return new BackendSettings(maxSockets, connectTimeout, changed, retryOnError, deadTtl, deadOn500, keepAlive);
    }

    public BackendSettings withKeepAlive(boolean changed) {
        return new BackendSettings(maxSockets, connectTimeout, timeout, retryOnError, deadTtl, deadOn500, changed);
    }
}

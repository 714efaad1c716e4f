package dev.wharf.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * Where routes come from and how long an answer is fresh.
 *
 * @param redisUrl     the route store (a prefix after {@code #}, as Hipache's driver URL); every write goes there
 * @param redisReadUrl a replica to look routes up on and to subscribe to, or null for {@code redisUrl} itself
 * @param xipDomains   xip.io-style domains
 * @param cacheTtl     how long a lookup is fresh (served stale while it is refreshed after that)
 */
public record StoreSettings(String redisUrl, String redisReadUrl, List<String> xipDomains, Duration cacheTtl) {

    public static final String REDIS_URL = "redis://127.0.0.1:6379";
    public static final long CACHE_TTL_MILLIS = 1000;

    public StoreSettings {
        xipDomains = List.copyOf(xipDomains);
    }
}

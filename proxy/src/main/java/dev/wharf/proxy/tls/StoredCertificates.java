package dev.wharf.proxy.tls;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.store.CertificateStore;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Certificates in Redis ({@code tls:<host>}, tsuru planb's format: whatever wrote them), cached per host. A host
 * is read again when {@code wharf:tls} names it, and after a minute anyway, because a certificate written by hand
 * is announced by nobody. Parsing runs on {@code parsing}, never on an event loop; an unusable one is skipped
 * with one error naming its key.
 */
public final class StoredCertificates {

    private static final Logger log = LoggerFactory.getLogger(StoredCertificates.class);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

    private final CertificateStore store;
    private final TlsEngine engine;
    private final String keyPrefix;
    private final AsyncLoadingCache<String, Optional<SslContext>> cache;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final Executor parsing;

    public StoredCertificates(CertificateStore store, TlsEngine engine, String keyPrefix, Executor parsing) {
        this.store = store;
        this.engine = engine;
        this.keyPrefix = keyPrefix;
        this.parsing = parsing;
        this.cache = Caffeine.newBuilder()
                .maximumSize(50_000)
                .refreshAfterWrite(Duration.ofMinutes(1))
                .expireAfterWrite(Duration.ofMinutes(10))
                .executor(parsing)
                .buildAsync((host, executor) -> load(host, executor));
    }

    /** The host's certificate from Redis, or null when it has none (or Redis does not answer in time). */
    public CompletableFuture<SslContext> forHost(String host) {
        return cache.get(host).handle((found, error) -> error != null ? null : found.orElse(null));
    }

    /** The TLS-ALPN-01 validation certificate stored for the host (never cached: a CA asks a few times), or null. */
    public CompletableFuture<SslContext> validation(String host) {
        return store.validation(host).toCompletableFuture()
                .orTimeout(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApplyAsync(found -> found.map(validation -> {
                    PemCredentials credentials = PemCredentials.parse(validation.certificate(), validation.key(), Instant.now());
                    return engine.acmeValidation(credentials.key(), credentials.leaf());
                }).orElse(null), parsing)
                .exceptionally(error -> null);
    }

    public TlsEngine engine() {
        return engine;
    }

    /** {@code wharf:tls} named the host: read it again at its next handshake. */
    public void changed(String host) {
        cache.synchronous().invalidate(host);
    }

    private CompletableFuture<Optional<SslContext>> load(String host, Executor parsing) {
        return store.read(host).toCompletableFuture()
                .orTimeout(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApplyAsync(stored -> stored.flatMap(found -> {
                    try {
                        PemCredentials credentials = PemCredentials.parse(found.certificate(), found.key(), Instant.now());
                        return Optional.of(engine.server(credentials.key(), credentials.chain()));
                    } catch (IllegalArgumentException e) {
                        // Once per key and content: re-reads every minute must not repeat it.
                        if (reported.size() < 10_000 && reported.add(host + "\n" + found.certificate().hashCode()
                                + "\n" + found.key().hashCode())) {
                            log.error("certificate skipped: {}tls:{}: {}", keyPrefix, host, e.getMessage());
                        }
                        return Optional.empty();
                    }
                }), parsing);
    }
}

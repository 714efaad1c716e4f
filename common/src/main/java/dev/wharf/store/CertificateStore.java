package dev.wharf.store;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Certificates and the ACME state in Redis (SPEC §7): {@code tls:<host>} in tsuru planb's format, so that
 * planb on the same Redis serves what Wharf issued and Wharf serves what was written by hand; the shared
 * account key, one lock per host, HTTP-01 answers any proxy can give, and each host's failed orders.
 *
 * <p>All methods are non-blocking.
 */
public final class CertificateStore {

    /** Fields of {@code tls:<host>}: planb's two, and the directory Wharf ordered it from (absent when hand-written). */
    public static final String CERTIFICATE = "certificate";
    public static final String KEY = "key";
    public static final String ISSUER = "wharf-acme";

    private static final LuaScript UNLOCK = LuaScript.load("unlock.lua", ScriptOutputType.INTEGER);
    private static final Duration FAILURES_KEPT = Duration.ofDays(1);

    private final RedisConnection redis;
    private final RouteKeys keys;

    public CertificateStore(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
    }

    /** A certificate chain and its key, PEM; {@code issuer} is the ACME directory, or null when written by hand. */
    public record Stored(String certificate, String key, String issuer) {
    }

    public CompletionStage<Optional<Stored>> read(String host) {
        return call(r -> r.hgetall(keys.tls(host))).thenApply(fields -> {
            if (fields.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Stored(fields.getOrDefault(CERTIFICATE, ""), fields.getOrDefault(KEY, ""),
                    fields.get(ISSUER)));
        });
    }

    /** Replaces the host's certificate and tells every proxy ({@code wharf:tls}). */
    public CompletionStage<Void> write(String host, Stored stored) {
        return call(r -> {
            r.hset(keys.tls(host), Map.of(CERTIFICATE, stored.certificate(), KEY, stored.key(),
                    ISSUER, stored.issuer() == null ? "" : stored.issuer()));
            return r.publish(keys.tlsChannel(), host);
        }).thenApply(published -> null);
    }

    /** The key authorization stored for an HTTP-01 token, if any proxy is waiting for the CA on it. */
    public CompletionStage<Optional<String>> challenge(String token) {
        return call(r -> r.get(keys.acmeChallenge(token))).thenApply(Optional::ofNullable);
    }

    public CompletionStage<Void> putChallenge(String token, String keyAuthorization, Duration ttl) {
        return call(r -> r.set(keys.acmeChallenge(token), keyAuthorization, SetArgs.Builder.px(ttl.toMillis())))
                .thenApply(ok -> null);
    }

    public CompletionStage<Void> removeChallenge(String token) {
        return call(r -> r.del(keys.acmeChallenge(token))).thenApply(removed -> null);
    }

    /** The TLS-ALPN-01 validation certificate (and key) stored for the host while an order waits on it. */
    public CompletionStage<Optional<Stored>> validation(String host) {
        return call(r -> r.hgetall(keys.acmeValidation(host))).thenApply(fields -> fields.isEmpty() ? Optional.empty()
                : Optional.of(new Stored(fields.getOrDefault(CERTIFICATE, ""), fields.getOrDefault(KEY, ""), null)));
    }

    public CompletionStage<Void> putValidation(String host, Stored validation, Duration ttl) {
        return call(r -> {
            String key = keys.acmeValidation(host);
            r.hset(key, Map.of(CERTIFICATE, validation.certificate(), KEY, validation.key()));
            return r.pexpire(key, ttl.toMillis());
        }).thenApply(set -> null);
    }

    public CompletionStage<Void> removeValidation(String host) {
        return call(r -> r.del(keys.acmeValidation(host))).thenApply(removed -> null);
    }

    /** Takes the host's order lock for {@code owner}; false when another holds it. */
    public CompletionStage<Boolean> lock(String host, String owner, Duration ttl) {
        return call(r -> r.set(keys.acmeLock(host), owner, SetArgs.Builder.nx().px(ttl.toMillis())))
                .thenApply("OK"::equals);
    }

    /** Releases the lock if {@code owner} still holds it (its TTL may have run out and another taken it). */
    public CompletionStage<Void> unlock(String host, String owner) {
        return call(r -> UNLOCK.<Long>run(r, new String[]{keys.acmeLock(host)}, owner)).thenApply(released -> null);
    }

    /** The shared account key: {@code offered} unless a key was stored first (then that one). */
    public CompletionStage<String> accountKey(String offered) {
        return call(r -> {
            r.hsetnx(keys.acmeAccount(), "key", offered);
            return r.hget(keys.acmeAccount(), "key");
        });
    }

    /** Records where the account lives, for operators ({@code HGETALL wharf:acme:account}). */
    public CompletionStage<Void> accountLocation(String directory, String url, String email) {
        return call(r -> r.hset(keys.acmeAccount(), Map.of("directory", directory, "url", url, "email", email)))
                .thenApply(fields -> null);
    }

    /**
     * A host's failed orders of the last day.
     *
     * @param count   orders failed since {@code first}
     * @param first   epoch ms of the first of them
     * @param next    epoch ms before which no proxy orders again
     * @param problem the CA's last problem detail
     */
    public record Failures(int count, long first, long next, String problem) {
        public static final Failures NONE = new Failures(0, 0, 0, "");
    }

    public CompletionStage<Failures> failures(String host) {
        return call(r -> r.hgetall(keys.acmeFailures(host))).thenApply(fields -> {
            try {
                return fields.isEmpty() ? Failures.NONE : new Failures(Integer.parseInt(fields.get("count")),
                        Long.parseLong(fields.get("first")), Long.parseLong(fields.get("next")),
                        fields.getOrDefault("problem", ""));
            } catch (RuntimeException e) {
                return Failures.NONE; // edited by hand into something else: start counting again
            }
        });
    }

    /** Records the failures; the record goes a day after the first one, so the per-day cap counts from there. */
    public CompletionStage<Void> recordFailures(String host, Failures failures) {
        return call(r -> {
            String key = keys.acmeFailures(host);
            r.hset(key, Map.of("count", Integer.toString(failures.count()), "first", Long.toString(failures.first()),
                    "next", Long.toString(failures.next()), "problem", failures.problem()));
            return r.pexpireat(key, failures.first() + FAILURES_KEPT.toMillis());
        }).thenApply(set -> null);
    }

    /** Hosts that have a {@code tls:<host>} key (SCAN, in batches: never a blocking KEYS). */
    public CompletionStage<List<String>> hosts() {
        String prefix = keys.tls("");
        return call(r -> scan(r, ScanCursor.INITIAL, prefix, new ArrayList<>()));
    }

    private static CompletionStage<List<String>> scan(RedisAsyncCommands<String, String> r, ScanCursor cursor,
                                                      String prefix, List<String> hosts) {
        return r.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500)).thenCompose(page -> {
            page.getKeys().forEach(key -> hosts.add(key.substring(prefix.length())));
            return page.isFinished() ? CompletableFuture.completedFuture(hosts) : scan(r, page, prefix, hosts);
        });
    }

    public CompletionStage<Void> clearFailures(String host) {
        return call(r -> r.del(keys.acmeFailures(host))).thenApply(removed -> null);
    }

    private <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        return redis.async().thenCompose(command);
    }
}

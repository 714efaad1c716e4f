package dev.wharf.proxy.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.route.RouteOptions;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Checks {@code Authorization: Basic} credentials against a route's bcrypt users. bcrypt is slow by design
 * (tens of milliseconds), so a check never runs on an event loop: it runs on a small pool of its own, and a
 * success is remembered (by a digest of the credentials, never the password) so that a browser's every request
 * does not pay for it again. The pool's queue is bounded: a flood of guesses gets 503s, not a proxy that stops.
 */
public final class BasicAuth implements AutoCloseable {

    /** The outcome of one check. */
    public enum Verdict { ALLOWED, DENIED, BUSY }

    private static final CompletableFuture<Verdict> ALLOWED = CompletableFuture.completedFuture(Verdict.ALLOWED);
    private static final CompletableFuture<Verdict> DENIED = CompletableFuture.completedFuture(Verdict.DENIED);
    private static final CompletableFuture<Verdict> BUSY = CompletableFuture.completedFuture(Verdict.BUSY);
    private static final int MAX_QUEUED = 256;

    private final ThreadPoolExecutor workers;
    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)).build();

    public BasicAuth(int threads) {
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread thread = new Thread(r, "wharf-auth");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Completes at once when the answer is known without bcrypt (no or malformed credentials, an unknown user,
     * a remembered success); otherwise on an auth thread.
     */
    public CompletableFuture<Verdict> check(List<RouteOptions.User> users, String authorization) {
        String credentials = credentials(authorization);
        if (credentials == null) {
            return DENIED;
        }
        int colon = credentials.indexOf(':');
        if (colon < 0) {
            return DENIED;
        }
        String name = credentials.substring(0, colon);
        RouteOptions.User user = null;
        for (RouteOptions.User candidate : users) {
            if (candidate.name().equals(name)) {
                user = candidate;
            }
        }
        if (user == null) {
            return DENIED;
        }
        String key = user.bcrypt() + digest(credentials);
        if (verified.getIfPresent(key) != null) {
            return ALLOWED;
        }
        String hash = user.bcrypt();
        char[] password = credentials.substring(colon + 1).toCharArray();
        try {
            return CompletableFuture.supplyAsync(() -> {
                if (OpenBSDBCrypt.checkPassword(hash, password)) {
                    verified.put(key, Boolean.TRUE);
                    return Verdict.ALLOWED;
                }
                return Verdict.DENIED;
            }, workers);
        } catch (RejectedExecutionException e) {
            return BUSY;
        }
    }

    /** The decoded {@code user:password} of a Basic header, or null. */
    private static String credentials(String authorization) {
        if (authorization == null || authorization.length() < 6
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String digest(String credentials) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(credentials.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}

package dev.wharf.proxy.acme;

import dev.wharf.route.RouteOptions;
import dev.wharf.store.CertificateStore;
import dev.wharf.store.CertificateStore.Failures;
import dev.wharf.store.CertificateStore.Stored;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.tls.PemCredentials;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.Security;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Gets and renews certificates for routed public hosts, for every proxy on the Redis at once. A host is looked at
 * when it gets a route, when a handshake names it without a certificate, when its certificate changes, at start
 * (every {@code tls:<host>}) and when its planned time comes. Looking at a host: it must have an exact route whose
 * {@code tls} option is {@code acme}; a certificate written by hand is left alone; one of ours is renewed two
 * thirds into its life; failed orders wait as {@link OrderSchedule} says, counted in Redis so that every proxy
 * and a restarted one obey the same budget; one proxy at a time orders ({@code wharf:acme:lock:<host>}).
 *
 * <p>Everything runs on one thread of its own: the CA is slow and acme4j blocks. Nothing waits for it: until
 * the certificate is in Redis, handshakes get the default one.
 */
public final class AutomaticHttps implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AutomaticHttps.class);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than an order can take (two steps of {@link CertificateOrder#STEP_TIMEOUT} and the requests). */
    private static final Duration LOCK_TTL = Duration.ofMinutes(5);
    /** Another proxy holds the lock: look again after this, unless its certificate is announced first. */
    private static final Duration LOCKED_RETRY = Duration.ofSeconds(30);
    /** Everything is looked at again this often, in case a message was lost. */
    private static final Duration SWEEP = Duration.ofHours(12);
    private static final int MAX_PLANNED = 10_000;

    /** The route port: the {@code tls} option of the host's exact route, or empty when it has none. */
    public interface Routes {
        CompletionStage<Optional<RouteOptions.Tls>> exactRoute(String host);
    }

    private final AcmeSettings settings;
    private final CertificateStore store;
    private final Routes routes;
    private final String owner;
    private final Clock clock;
    private final ProxyMetrics metrics;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("wharf-acme", true));
    /** Hosts with a look planned (or queued), so a flood of handshakes queues one look, not one each. */
    private final Map<String, ScheduledFuture<?>> planned = new ConcurrentHashMap<>();

    public AutomaticHttps(AcmeSettings settings, CertificateStore store, Routes routes, String owner, Clock clock,
                          ProxyMetrics metrics) {
        this.metrics = metrics;
        this.settings = settings;
        this.store = store;
        this.routes = routes;
        this.owner = owner;
        this.clock = clock;
    }

    /** Looks at every stored certificate now and every 12 hours. */
    public void start() {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider()); // acme4j makes keys and CSRs with it
        }
        log.info("automatic HTTPS on: certificates from {} for {} ({})", settings.directory(), settings.email(),
                settings.challenge());
        thread.scheduleWithFixedDelay(this::sweep, 0, SWEEP.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A route changed ({@code host} or {@code host/path}, as on {@code wharf:routes}). */
    public void routeChanged(String route) {
        int slash = route.indexOf('/');
        lookSoon(slash < 0 ? route : route.substring(0, slash));
    }

    /** A handshake named a host for which no certificate was found. */
    public void missing(String host) {
        lookSoon(host);
    }

    /** Another proxy (or this one) wrote the host's certificate: plan its renewal from the new one. */
    public void certificateChanged(String host) {
        lookSoon(host);
    }

    private void lookSoon(String host) {
        if (planned.size() >= MAX_PLANNED && !planned.containsKey(host)) {
            return; // a flood of made-up names in handshakes; the sweep and route messages still come
        }
        if (PublicHosts.orderable(host)) {
            plan(host, Duration.ZERO, false);
        }
    }

    /** Plans a look; an earlier plan stays unless {@code replace} (a later time decided by a look). */
    private void plan(String host, Duration delay, boolean replace) {
        if (thread.isShutdown()) {
            return;
        }
        planned.compute(host, (h, existing) -> {
            if (existing != null && !existing.isDone()) {
                if (!replace && existing.getDelay(TimeUnit.MILLISECONDS) <= delay.toMillis()) {
                    return existing;
                }
                existing.cancel(false);
            }
            return thread.schedule(() -> look(h), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        });
    }

    private void sweep() {
        try {
            join(store.hosts()).stream().filter(PublicHosts::orderable).forEach(this::lookSoon);
        } catch (Exception e) {
            log.warn("automatic HTTPS: cannot list the stored certificates ({}); next try in {} h", e.getMessage(),
                    SWEEP.toHours());
        }
    }

    private void look(String host) {
        planned.remove(host);
        try {
            Optional<Duration> next = decide(host);
            next.ifPresent(delay -> plan(host, delay, true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Redis away, most likely: look again in a minute.
            log.warn("automatic HTTPS for {}: {}; looking again in {} s", host, e.getMessage(), LOCKED_RETRY.toSeconds() * 2);
            plan(host, LOCKED_RETRY.multipliedBy(2), true);
        }
    }

    /** Looks at one host and orders if it is time; returns when to look again, or empty for never. */
    private Optional<Duration> decide(String host) throws Exception {
        metrics.acmeLook();
        Optional<RouteOptions.Tls> route = join(routes.exactRoute(host));
        if (route.isEmpty() || route.get() != RouteOptions.Tls.ACME) {
            return Optional.empty(); // looked at again when it gets a route
        }
        Instant now = clock.instant();
        Optional<Stored> stored = join(store.read(host));
        if (stored.isPresent()) {
            if (stored.get().issuer() == null || stored.get().issuer().isEmpty()) {
                log.debug("tls:{} was written by hand: not ordering", host);
                return Optional.empty();
            }
            try {
                PemCredentials current = PemCredentials.parse(stored.get().certificate(), stored.get().key(), now);
                Instant renewal = OrderSchedule.renewal(current.notBefore(), current.notAfter());
                if (renewal.isAfter(now)) {
                    return Optional.of(Duration.between(now, renewal));
                }
            } catch (IllegalArgumentException unusable) {
                log.info("tls:{} is unusable ({}): ordering a new one", host, unusable.getMessage());
            }
        }
        Failures failures = join(store.failures(host));
        if (failures.next() > now.toEpochMilli()) {
            return Optional.of(Duration.ofMillis(failures.next() - now.toEpochMilli()));
        }
        if (!join(store.lock(host, owner, LOCK_TTL))) {
            return Optional.of(LOCKED_RETRY); // another proxy is ordering; its certificate will be announced
        }
        try {
            return Optional.of(order(host, failures, now));
        } finally {
            join(store.unlock(host, owner));
        }
    }

    private Duration order(String host, Failures failures, Instant started) throws Exception {
        log.info("ordering a certificate for {} from {}", host, settings.directory());
        try {
            Stored issued = new CertificateOrder(settings, store).run(host);
            PemCredentials checked = PemCredentials.parse(issued.certificate(), issued.key(), clock.instant());
            join(store.write(host, issued));
            join(store.clearFailures(host));
            metrics.acmeOrder(true);
            log.info("certificate for {} issued, valid until {}", host, checked.notAfter());
            return Duration.between(clock.instant(), OrderSchedule.renewal(checked.notBefore(), checked.notAfter()));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // The CA's problem (AcmeException), or anything else that failed the order: it counts, so that
            // nothing orders without limit.
            Failures after = OrderSchedule.afterFailure(failures, started, describe(e), settings.retryAfter());
            metrics.acmeOrder(false);
            join(store.recordFailures(host, after));
            log.warn("certificate order for {} failed ({} today): {}; next attempt at {}", host, after.count(),
                    after.problem(), Instant.ofEpochMilli(after.next()));
            return Duration.ofMillis(Math.max(0, after.next() - clock.instant().toEpochMilli()));
        }
    }

    /** The CA's problem detail as acme4j words it, with the cause when that is all it says ("Network error"). */
    private static String describe(Exception e) {
        String message = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        return cause == null || cause.getMessage() == null || message.contains(cause.getMessage()) ? message
                : message + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }

    private static <T> T join(CompletionStage<T> stage) throws InterruptedException, ExecutionException, TimeoutException {
        return stage.toCompletableFuture().get(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

package dev.wharf.proxy.route;

import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.InvalidRouteException;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RouteStore;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Brings a backend marked dead back as soon as it answers again, instead of after the mark's TTL (planb's way):
 * on every mark on Hipache's {@code dead} channel, one proxy at a time (the {@code dead:<host>:<url>} lock) probes
 * the backend every second — a {@code GET} for http backends (planb's {@code healthcheck:<host>} {@code path},
 * {@code status}, {@code body} when set), a TCP connect for https ones — and removes the mark when it answers,
 * renews it while it does not, and stops when the backend is no longer listed. Probes run on threads of their own, never on an event loop or Lettuce's.
 */
public final class BackendProbe implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackendProbe.class);
    private static final Duration EVERY = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration LOCK_TTL = Duration.ofSeconds(5);
    /** A bound on the backends probed at once by this proxy; more marks wait for their TTL, as before. */
    private static final int MAX_WATCHED = 256;

    private final RouteStore store;
    private final LookupOrder order;
    private final Duration deadTtl;
    private final ProxyMetrics metrics;
    private final String owner;
    private final Set<MarkedBackend> watching = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2,
            new DefaultThreadFactory("wharf-probe", true));

    public BackendProbe(RouteStore store, LookupOrder order, Duration deadTtl, ProxyMetrics metrics, String owner) {
        this.store = store;
        this.order = order;
        this.deadTtl = deadTtl;
        this.metrics = metrics;
        this.owner = owner;
    }

    /** A {@code dead} message: {@code "<requestHost>[<path>];<url>;<index>;<length>"}. Never blocks. */
    public void marked(String message) {
        MarkedBackend watch = MarkedBackend.parse(message, 4);
        if (watch != null && watching.size() < MAX_WATCHED && watching.add(watch)) {
            probes.schedule(() -> round(watch), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void round(MarkedBackend watch) {
        boolean again = true;
        try {
            if (!join(store.reserveProbe(watch.requestHost(), watch.url(), owner, LOCK_TTL))) {
                again = false; // another proxy probes it
            } else {
                boolean alive = answers(watch);
                metrics.probe(alive);
                RouteStore.ProbeOutcome outcome = join(store.probeResult(watch.requestHost(), watch.path(),
                        order.candidates(watch.requestHost()), watch.url(), alive, deadTtl));
                if (outcome == RouteStore.ProbeOutcome.UNMARKED) {
                    log.info("backend {} of {} answers again: dead mark removed", watch.url(), watch.requestHost() + watch.path());
                }
                again = outcome == RouteStore.ProbeOutcome.MARKED_AGAIN;
            }
        } catch (RuntimeException e) {
            log.debug("probe of {} for {}: {}", watch.url(), watch.requestHost(), e.getMessage()); // Redis away: try again
        }
        if (again && !probes.isShutdown()) {
            probes.schedule(() -> round(watch), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            watching.remove(watch);
        }
    }

    /**
     * An http backend must answer a {@code GET} — planb's {@code healthcheck:<host>} path, status and body when set,
     * else {@code /} with any status below 500 — so that one that accepts connections but hangs (marked for a
     * timeout) stays marked. An https or h2c backend must accept a TCP connection (its certificate, or its
     * HTTP/2, is its own business).
     */
    private boolean answers(MarkedBackend watch) {
        BackendUrl url;
        try {
            url = BackendUrl.parse(watch.url());
        } catch (InvalidRouteException e) {
            return false;
        }
        if (url.scheme().equals("http")) {
            return healthy(url, join(store.healthcheck(watch.requestHost())));
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.host(), url.port()), (int) CONNECT_TIMEOUT.toMillis());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean healthy(BackendUrl url, Map<String, String> check) {
        String path = check.getOrDefault("path", "").replaceFirst("^/+", "");
        HttpURLConnection http = null;
        try {
            http = (HttpURLConnection) URI.create(url + "/" + path).toURL().openConnection();
            http.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            http.setReadTimeout((int) READ_TIMEOUT.toMillis());
            http.setInstanceFollowRedirects(false);
            http.setUseCaches(false);
            int status = http.getResponseCode();
            String wanted = check.get("status");
            boolean statusOk = wanted == null || wanted.isBlank() ? status < 500 : wanted.trim().equals(Integer.toString(status));
            String body = check.get("body");
            if (!statusOk || body == null || body.isEmpty()) {
                return statusOk;
            }
            try (InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream()) {
                return in != null && new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8).contains(body);
            }
        } catch (Exception e) {
            return false;
        } finally {
            if (http != null) {
                http.disconnect();
            }
        }
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}

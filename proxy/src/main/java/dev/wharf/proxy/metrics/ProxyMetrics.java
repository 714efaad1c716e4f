package dev.wharf.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The proxy's meters. Per-request updates cost one map lookup and two increments: meters are created once
 * per frontend and status class, not looked up by tags on every request.
 */
public final class ProxyMetrics {

    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, FrontendTraffic> requests = new ConcurrentHashMap<>();
    private final Timer latency;
    private final Counter connectFailures;
    private final Counter deadMarks;
    private final Counter routeChanges;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter clientErrors;

    public ProxyMetrics() {
        latency = Timer.builder("wharf.proxy.request.duration").description("Time from request head to response end")
                .publishPercentileHistogram().register(registry);
        connectFailures = Counter.builder("wharf.proxy.backend.connect.failures")
                .description("Backend connections refused or timed out").register(registry);
        deadMarks = Counter.builder("wharf.proxy.dead.marks").description("Backends marked dead").register(registry);
        routeChanges = Counter.builder("wharf.proxy.route.changes")
                .description("Route change messages received (wharf:routes and dead)").register(registry);
        cacheHits = Counter.builder("wharf.proxy.route.cache").tag("result", "hit").register(registry);
        cacheMisses = Counter.builder("wharf.proxy.route.cache").tag("result", "miss").register(registry);
        clientErrors = Counter.builder("wharf.proxy.client.errors")
                .description("Client connections ended by an exception (resets, TLS failures, and bugs)").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** One answered request; {@code frontend} is the route that matched ({@code <host>[<path>]}), or "none". */
    public void request(String frontend, int status, long nanos) {
        FrontendTraffic traffic = requests.get(frontend);
        if (traffic == null) {
            traffic = requests.computeIfAbsent(frontend, this::trafficOf);
        }
        traffic.record(status, nanos);
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    private FrontendTraffic trafficOf(String frontend) {
        Counter[] counters = new Counter[STATUS_CLASSES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = Counter.builder("wharf.proxy.requests").description("Requests answered")
                    .tag("frontend", frontend).tag("status", STATUS_CLASSES[i]).register(registry);
        }
        return new FrontendTraffic(counters);
    }

    /** The traffic of one route since the start, or null when it had none (for the dashboard). */
    public FrontendTraffic traffic(String frontend) {
        return requests.get(frontend);
    }

    public void connectFailure() {
        connectFailures.increment();
    }

    public void deadMark() {
        deadMarks.increment();
    }

    public void routeChange() {
        routeChanges.increment();
    }

    public void clientError() {
        clientErrors.increment();
    }

    public double clientErrors() {
        return clientErrors.count();
    }

    /** One DNS question answered: its type, and the response code. */
    public void dnsQuery(String type, String code) {
        Counter.builder("wharf.proxy.dns.queries").description("DNS queries answered")
                .tag("type", type).tag("code", code).register(registry).increment();
    }

    /** A DNS packet that could not be decoded (dropped without a reply). */
    public void dnsMalformed() {
        Counter.builder("wharf.proxy.dns.malformed").description("DNS packets dropped as malformed")
                .register(registry).increment();
    }

    /** One probe of a dead-marked backend, and whether it answered. */
    public void probe(boolean alive) {
        Counter.builder("wharf.proxy.probes").description("Probes of backends marked dead")
                .tag("result", alive ? "alive" : "dead").register(registry).increment();
    }

    /** One look of automatic HTTPS at a host (does it need a certificate now?). */
    public void acmeLook() {
        Counter.builder("wharf.proxy.acme.looks").description("Hosts looked at by automatic HTTPS")
                .register(registry).increment();
    }

    /** One certificate order this proxy ran, and how it ended ({@code issued} or {@code failed}). */
    public void acmeOrder(boolean issued) {
        Counter.builder("wharf.proxy.acme.orders").description("Certificate orders run by this proxy")
                .tag("result", issued ? "issued" : "failed").register(registry).increment();
    }

    public void cacheLookup(boolean hit) {
        (hit ? cacheHits : cacheMisses).increment();
    }

    /**
     * Adds the JVM's meters (memory, GC pauses and bytes allocated, threads, CPU): once per process, by the
     * server; closing the result stops listening to the GC.
     */
    public AutoCloseable bindJvm() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }
}

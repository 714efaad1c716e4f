package dev.wharf.agent.metrics;

import dev.wharf.agent.metrics.AgentMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.function.BooleanSupplier;

/** The agent's meters: Docker events, reconciles, route changes written, connection states. */
public final class AgentMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter events = Counter.builder("wharf.agent.docker.events")
            .description("Docker events about containers and networks").register(registry);
    private final Counter reconciles = Counter.builder("wharf.agent.reconciles").tag("result", "ok")
            .description("Full reconciles").register(registry);
    private final Counter failedSyncs = Counter.builder("wharf.agent.reconciles").tag("result", "failed")
            .description("Full reconciles").register(registry);
    private final Counter added = Counter.builder("wharf.agent.route.writes").tag("op", "add")
            .description("Route changes written to Redis").register(registry);
    private final Counter removed = Counter.builder("wharf.agent.route.writes").tag("op", "remove")
            .description("Route changes written to Redis").register(registry);

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void event() {
        events.increment();
    }

    public void reconciled(boolean ok) {
        (ok ? reconciles : failedSyncs).increment();
    }

    public void routeAdded() {
        added.increment();
    }

    public void routeRemoved() {
        removed.increment();
    }

    public void state(String name, String description, BooleanSupplier up) {
        Gauge.builder(name, () -> up.getAsBoolean() ? 1 : 0).description(description).register(registry);
    }
}

package dev.wharf.agent;

import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.agent.sync.Reconciler;

import java.time.Duration;

/** An agent running in the test's JVM, put together by {@link Agent#start} as the command does. */
final class TestAgent implements AutoCloseable {

    private final Agent agent;

    private TestAgent(Agent agent) {
        this.agent = agent;
    }

    static TestAgent start(String dockerHost, String redisUrl, String agentId, RoutingSettings settings) {
        return start(dockerHost, redisUrl, agentId, settings, Duration.ofSeconds(60));
    }

    static TestAgent start(String dockerHost, String redisUrl, String agentId, RoutingSettings settings, Duration resync) {
        return start(AgentSettings.of(dockerHost, redisUrl, agentId).withRouting(settings).withResync(resync));
    }

    static TestAgent start(AgentSettings settings) {
        try {
            return new TestAgent(Agent.start(settings));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    AgentMetrics metrics() {
        return agent.metrics();
    }

    Reconciler reconciler() {
        return agent.reconciler();
    }

    boolean healthy() {
        return agent.healthy();
    }

    void stop(boolean deregister) {
        agent.stop(deregister);
    }

    @Override
    public void close() {
        stop(false);
    }
}

package dev.wharf.agent;

import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.routing.RoutePlanner;
import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.agent.sync.AgentRecords;
import dev.wharf.agent.sync.ContainerStatuses;
import dev.wharf.agent.sync.Reconciler;
import dev.wharf.agent.sync.StoreWrites;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RedisTarget;
import dev.wharf.store.RouteStore;

import java.time.Duration;

/** An agent running in the test's JVM, wired as {@link AgentCommand} wires it. */
final class TestAgent implements AutoCloseable {

    private final DockerEngine docker;
    private final RedisConnection redis;
    private final Agent agent;
    private final Reconciler reconciler;
    private final AgentMetrics metrics;
    private boolean stopped;

    private TestAgent(String dockerHost, String redisUrl, String agentId, RoutingSettings settings, Duration resync) {
        docker = new DockerEngine(dockerHost);
        redis = new RedisConnection(RedisTarget.parse(redisUrl));
        AgentRecords records = new AgentRecords(redis, agentId);
        metrics = new AgentMetrics();
        reconciler = new Reconciler(docker, new RoutePlanner(settings), records, new StoreWrites(new RouteStore(redis), records, new ContainerStatuses(redis, agentId)),
                metrics);
        agent = new Agent(docker, reconciler, resync, metrics);
        redis.onReconnect(agent::redisReconnected);
    }

    static TestAgent start(String dockerHost, String redisUrl, String agentId, RoutingSettings settings) {
        return start(dockerHost, redisUrl, agentId, settings, Duration.ofSeconds(60));
    }

    static TestAgent start(String dockerHost, String redisUrl, String agentId, RoutingSettings settings, Duration resync) {
        TestAgent test = new TestAgent(dockerHost, redisUrl, agentId, settings, resync);
        test.agent.start();
        return test;
    }

    AgentMetrics metrics() {
        return metrics;
    }

    Reconciler reconciler() {
        return reconciler;
    }

    boolean healthy() {
        return agent.healthy();
    }

    void stop(boolean deregister) {
        if (!stopped) {
            stopped = true;
            agent.stop(deregister);
            redis.close();
            try {
                docker.close();
            } catch (java.io.IOException ignored) {
                // Test teardown.
            }
        }
    }

    @Override
    public void close() {
        stop(false);
    }
}

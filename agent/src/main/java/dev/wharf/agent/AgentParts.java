package dev.wharf.agent;

import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.routing.RoutePlanner;
import dev.wharf.agent.sync.AgentRecords;
import dev.wharf.agent.sync.AgentStore;
import dev.wharf.agent.sync.ContainerStatuses;
import dev.wharf.agent.sync.DryRunStore;
import dev.wharf.agent.sync.Reconciler;
import dev.wharf.agent.sync.RedisAgentStore;
import dev.wharf.agent.sync.StaleAgents;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

/**
 * What {@link Agent#start} puts together from its settings, in one place: the engine, Redis, the store (or the dry
 * run around it), the reconciler and, with {@code --stale-agent}, the sweep of gone agents.
 *
 * @param staleAgents null unless {@code --stale-agent}
 */
record AgentParts(DockerEngine docker, RedisConnection redis, Reconciler reconciler, StaleAgents staleAgents,
                  AgentMetrics metrics) {

    private static final Logger log = LoggerFactory.getLogger(AgentParts.class);

    static AgentParts wire(AgentSettings settings, boolean waitForEngine) throws InterruptedException {
        DockerEngine docker = new DockerEngine(settings.dockerHost());
        RedisConnection redis = new RedisConnection(settings.redis());
        try {
            Optional<String> given = settings.agentId().filter(name -> !name.isBlank());
            String id = given.isPresent() ? given.get() : engineHostName(docker, waitForEngine);
            AgentRecords records = new AgentRecords(redis, id);
            AgentStore store = new RedisAgentStore(new RouteStore(redis), records, new ContainerStatuses(redis, id));
            if (settings.dryRun()) {
                store = new DryRunStore(store, System.out);
            }
            AgentMetrics metrics = new AgentMetrics();
            metrics.state("wharf.agent.redis.connected", "1 while the Redis connection is open", redis::connected);
            Reconciler reconciler = new Reconciler(docker, new RoutePlanner(settings.routing()), store, metrics);
            log.info("agent '{}': Docker {}, Redis {}{}", id, settings.dockerHost(), settings.redis(),
                    settings.dryRun() ? " (dry run)" : "");
            StaleAgents stale = settings.staleAgent().filter(after -> !settings.dryRun())
                    .map(after -> new StaleAgents(redis, id, after)).orElse(null);
            return new AgentParts(docker, redis, reconciler, stale, metrics);
        } catch (RuntimeException | InterruptedException e) {
            redis.close();
            Agent.closeQuietly(docker);
            throw e;
        }
    }

    /** The default agent id; without the engine it is unknown. */
    private static String engineHostName(DockerEngine docker, boolean wait) throws InterruptedException {
        Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
        while (true) {
            try {
                return docker.hostName();
            } catch (RuntimeException e) {
                if (!wait) {
                    throw e;
                }
                Duration delay = backoff.next();
                log.warn("Docker engine at {} unreachable ({}); retrying in {} ms (or set --agent-id)",
                        docker.dockerHost(), e.getMessage(), delay.toMillis());
                Thread.sleep(delay.toMillis());
            }
        }
    }
}

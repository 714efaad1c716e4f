package dev.wharf.agent;

import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.store.RedisTarget;

import java.time.Duration;
import java.util.Optional;

/**
 * Everything an agent is started with ({@link AgentCommand}'s options, or a test's).
 *
 * @param agentId empty: the Docker engine's host name
 * @param dryRun  print what would be written, write nothing
 */
public record AgentSettings(String dockerHost, RedisTarget redis, Optional<String> agentId, RoutingSettings routing,
                            Duration resync, boolean dryRun) {

    public static AgentSettings of(String dockerHost, String redisUrl, String agentId) {
        return new AgentSettings(dockerHost, RedisTarget.parse(redisUrl), Optional.of(agentId), RoutingSettings.defaults(),
                Duration.ofSeconds(60), false);
    }

    public AgentSettings withRouting(RoutingSettings routing) {
        return new AgentSettings(dockerHost, redis, agentId, routing, resync, dryRun);
    }

    public AgentSettings withResync(Duration resync) {
        return new AgentSettings(dockerHost, redis, agentId, routing, resync, dryRun);
    }
}

package dev.wharf.agent;

import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.store.RedisTarget;

import java.time.Duration;
import java.util.Optional;

/**
 * Everything an agent is started with ({@link AgentCommand}'s options, or a test's).
 *
 * @param agentId empty: the Docker engine's host name
 * @param dryRun     print what would be written, write nothing
 * @param staleAgent {@code --stale-agent}: remove what an agent silent for longer left behind; empty: never
 */
public record AgentSettings(String dockerHost, RedisTarget redis, Optional<String> agentId, RoutingSettings routing,
                            Duration resync, boolean dryRun, Optional<Duration> staleAgent) {

    public static AgentSettings of(String dockerHost, String redisUrl, String agentId) {
        return new AgentSettings(dockerHost, RedisTarget.parse(redisUrl), Optional.of(agentId), RoutingSettings.defaults(),
                Duration.ofSeconds(60), false, Optional.empty());
    }

    public AgentSettings withRouting(RoutingSettings routing) {
        return new AgentSettings(dockerHost, redis, agentId, routing, resync, dryRun, staleAgent);
    }

    public AgentSettings withResync(Duration resync) {
        return new AgentSettings(dockerHost, redis, agentId, routing, resync, dryRun, staleAgent);
    }

    public AgentSettings withStaleAgent(Duration after) {
        return new AgentSettings(dockerHost, redis, agentId, routing, resync, dryRun, Optional.of(after));
    }
}

package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Route;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import dev.wharf.store.RouteStore;
import io.lettuce.core.ScoredValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code --stale-agent}: an agent whose heartbeat ({@code wharf:agents}) is older than the limit is taken for gone for
 * good (its host was removed), and whichever agent sees it first removes the routes its record names, its record,
 * its statuses and its heartbeat. The one exception to "never delete a route you did not write", so off by default:
 * an agent that is only cut off from Redis for longer than the limit loses its routes until it is back (it writes
 * them all again at its next reconcile). Sync thread only.
 */
public final class StaleAgents {

    private static final Logger log = LoggerFactory.getLogger(StaleAgents.class);

    private final RedisConnection redis;
    private final RouteStore routes;
    private final RouteKeys keys;
    private final String self;
    private final Duration staleAfter;

    public StaleAgents(RedisConnection redis, String self, Duration staleAfter) {
        this.redis = redis;
        this.routes = new RouteStore(redis);
        this.keys = new RouteKeys(redis.target().prefix());
        this.self = self;
        this.staleAfter = staleAfter;
    }

    /** Agents other than {@code self} last heard of more than {@code staleAfter} before {@code now}. Pure. */
    static List<String> stale(Map<String, Double> heartbeats, Instant now, Duration staleAfter, String self) {
        long limit = now.minus(staleAfter).getEpochSecond();
        return heartbeats.entrySet().stream()
                .filter(agent -> !agent.getKey().equals(self) && agent.getValue() < limit)
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** Removes what every stale agent left; returns how many routes went. */
    public int sweep() {
        List<ScoredValue<String>> beats = Await.result(redis.async().thenCompose(r ->
                r.zrangeWithScores(keys.agentHeartbeats(), 0, -1)));
        Map<String, Double> heartbeats = beats.stream().collect(Collectors.toMap(ScoredValue::getValue, ScoredValue::getScore));
        List<String> gone = stale(heartbeats, Instant.now(), staleAfter, self);
        if (gone.isEmpty()) {
            return 0;
        }
        Set<Route> mine = new HashSet<>();
        new AgentRecords(redis, self).all().values().forEach(record -> mine.addAll(record.routes()));
        int removed = 0;
        for (String agent : gone) {
            removed += remove(agent, heartbeats.get(agent).longValue(), mine);
        }
        return removed;
    }

    private int remove(String agent, long lastSeen, Set<Route> mine) {
        AgentRecords records = new AgentRecords(redis, agent);
        int removed = 0;
        for (OwnedRoutes record : records.all().values()) {
            for (Route route : record.routes()) {
                if (!mine.contains(route) // the same backend written by this agent too: it stays
                        && Await.result(routes.removeBackend(route.host(), route.path(), route.backend()))) {
                    removed++;
                }
            }
        }
        ContainerStatuses statuses = new ContainerStatuses(redis, agent);
        for (String container : statuses.ids()) {
            Await.result(statuses.gone(container));
        }
        // Last, so that a sweep cut short is done again by the next one.
        Await.result(redis.async().thenCompose(r -> r.del(keys.agentRecords(agent), keys.containerStatuses(agent))));
        Await.result(redis.async().thenCompose(r -> r.zrem(keys.agentHeartbeats(), agent)));
        log.warn("agent '{}' last seen {} s ago (more than --stale-agent {} s): removed its {} route(s), record and statuses",
                agent, Instant.now().getEpochSecond() - lastSeen, staleAfter.toSeconds(), removed);
        return removed;
    }
}

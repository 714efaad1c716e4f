package dev.wharf.agent.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.agent.routing.Route;
import dev.wharf.route.BackendUrl;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * An agent's record of the routes it wrote (SPEC §1 {@code wharf:agent:<id>}): container id to JSON
 * {@code {"container":"web-1","routes":[{"host":..,"path":..,"backend":..,"options":{..}}],"updated":"..."}}. It lets the agent remove
 * exactly what it wrote, after its own restart too, and nothing that it did not write.
 */
public final class AgentRecords {

    private static final Logger log = LoggerFactory.getLogger(AgentRecords.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisConnection redis;
    private final String key;
    private final String heartbeats;
    private final String agentId;

    public AgentRecords(RedisConnection redis, String agentId) {
        RouteKeys keys = new RouteKeys(redis.target().prefix());
        this.redis = redis;
        this.agentId = agentId;
        this.key = keys.agentRecords(agentId);
        this.heartbeats = keys.agentHeartbeats();
        // Jackson's first use costs ~100 ms of class loading: pay it now, not on the first container's route.
        decode("warm-up", encode(new OwnedRoutes("warm-up", Set.of(new Route("warm.up", BackendUrl.http("127.0.0.1", 80))))));
    }

    public Map<String, OwnedRoutes> all() {
        Map<String, String> fields = Await.result(redis.async().thenCompose(r -> r.hgetall(key)));
        Map<String, OwnedRoutes> records = new HashMap<>();
        fields.forEach((containerId, json) -> decode(containerId, json).ifPresent(o -> records.put(containerId, o)));
        return records;
    }

    public Optional<OwnedRoutes> get(String containerId) {
        String json = Await.result(redis.async().thenCompose(r -> r.hget(key, containerId)));
        return json == null ? Optional.empty() : decode(containerId, json);
    }

    /** True while this agent's record key exists (it is deleted with its last entry). */
    public boolean exist() {
        return Await.result(redis.async().thenCompose(r -> r.exists(key))) > 0;
    }

    public CompletionStage<Void> put(String containerId, OwnedRoutes owned) {
        String json = encode(owned);
        return redis.async().thenCompose(r -> r.hset(key, containerId, json)).thenApply(written -> null);
    }

    public CompletionStage<Void> remove(String containerId) {
        return redis.async().thenCompose(r -> r.hdel(key, containerId)).thenApply(removed -> null);
    }

    /** Marks this agent alive now, so that operators can see stale agents ({@code ZRANGE wharf:agents}). */
    public void heartbeat() {
        Await.result(redis.async().thenCompose(r -> r.zadd(heartbeats, Instant.now().getEpochSecond(), agentId)));
    }

    /** {@code path} and {@code options} are absent from records written before path routes. */
    record Entry(String host, String path, String backend, Map<String, String> options) {
    }

    record Json(String container, List<Entry> routes, String updated) {
    }

    private static String encode(OwnedRoutes owned) {
        List<Entry> entries = owned.routes().stream()
                .map(r -> new Entry(r.host(), r.path(), r.backend().toString(), r.options()))
                .sorted((a, b) -> (a.host() + a.path() + " " + a.backend()).compareTo(b.host() + b.path() + " " + b.backend()))
                .toList();
        try {
            return JSON.writeValueAsString(new Json(owned.container(), entries, Instant.now().toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record this agent cannot read is left alone (and said so): guessing could delete someone's route. */
    private Optional<OwnedRoutes> decode(String containerId, String json) {
        try {
            Json record = JSON.readValue(json, Json.class);
            Set<Route> routes = new HashSet<>();
            for (Entry entry : record.routes()) {
                routes.add(new Route(entry.host(), entry.path() == null ? "" : entry.path(),
                        BackendUrl.parse(entry.backend()), entry.options() == null ? Map.of() : entry.options()));
            }
            return Optional.of(new OwnedRoutes(record.container(), routes));
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("ignoring unreadable record of container {} in {}: {}", containerId, key, e.getMessage());
            return Optional.empty();
        }
    }
}

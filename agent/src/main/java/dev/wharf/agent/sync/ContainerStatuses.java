package dev.wharf.agent.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RouteKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * "Why not routed?" in Redis (SPEC §6 beside the agent's record): for every container with routing labels, whether
 * it is routed and why not, in {@code wharf:status:<agentId>} (container id → JSON, for the admin API and the
 * dashboard), and for each host a container asks for but does not get, {@code wharf:why:<host>} (container id →
 * "container web-1 is unhealthy", fit for a public error page). Written only when a container's status changes;
 * removed when the container is destroyed. Called from the sync thread; the writes complete elsewhere.
 */
public final class ContainerStatuses {

    private static final Logger log = LoggerFactory.getLogger(ContainerStatuses.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    /** One container's status as stored. */
    record Status(String container, boolean routed, String why, String detail, Set<String> hosts, List<String> routes,
                  String updated) {
        boolean sameAs(Status other) {
            return other != null && container.equals(other.container) && routed == other.routed && Objects.equals(why, other.why)
                    && Objects.equals(detail, other.detail) && hosts.equals(other.hosts) && routes.equals(other.routes);
        }
    }

    private final RedisConnection redis;
    private final RouteKeys keys;
    private final String key;
    private final Map<String, Status> written = new HashMap<>();
    private boolean loaded;
    /** Set when a write failed: what {@link #written} says may not be in Redis, so it is read again. */
    private volatile boolean stale;

    public ContainerStatuses(RedisConnection redis, String agentId) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
        this.key = keys.containerStatuses(agentId);
    }

    /** Records what the decision says about a container that exists (running or not). */
    public CompletionStage<Void> update(String id, String name, Decision decision) {
        if (decision.askedHosts().isEmpty() && decision.routes().isEmpty()) {
            return gone(id); // no routing labels (any more): nothing to say about it
        }
        load();
        List<String> routes = decision.routes().stream().map(Route::toString).sorted().toList();
        Status status = new Status(name, decision.whyNot() == null, decision.whyNot(),
                decision.whyNot() == null || decision.warnings().isEmpty() ? null : decision.warnings().get(0),
                new TreeSet<>(decision.askedHosts()), routes, Instant.now().toString());
        Status before = written.get(id);
        if (status.sameAs(before)) {
            return DONE;
        }
        String json = encode(status);
        written.put(id, status);
        // Pipelined, not in MULTI: the connection is shared, and a status is advice, not a route.
        return watched(redis.async().thenCompose(r -> {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            writes.add(r.hset(key, id, json).toCompletableFuture());
            if (before != null) {
                before.hosts().stream().filter(host -> status.routed() || !status.hosts().contains(host))
                        .forEach(host -> writes.add(r.hdel(keys.why(host), id).toCompletableFuture()));
            }
            if (!status.routed()) {
                status.hosts().forEach(host ->
                        writes.add(r.hset(keys.why(host), id, "container " + name + " " + status.why()).toCompletableFuture()));
            }
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }));
    }

    /** The container was destroyed (or lost its routing labels): its status and reasons go. */
    public CompletionStage<Void> gone(String id) {
        load();
        Status before = written.remove(id);
        if (before == null) {
            return DONE;
        }
        return watched(redis.async().thenCompose(r -> {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            writes.add(r.hdel(key, id).toCompletableFuture());
            before.hosts().forEach(host -> writes.add(r.hdel(keys.why(host), id).toCompletableFuture()));
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }));
    }

    /** Containers with a status here (for the resync, which asks Docker about the ones not running). */
    public Set<String> ids() {
        load();
        return Set.copyOf(written.keySet());
    }

    /** After a restart, what this agent wrote before: so that a container destroyed meanwhile is cleaned up. */
    private void load() {
        if (stale) {
            stale = false;
            reload();
        }
        if (loaded) {
            return;
        }
        Map<String, String> stored = Await.result(redis.async().thenCompose(r -> r.hgetall(key)));
        stored.forEach((id, json) -> {
            try {
                written.put(id, JSON.readValue(json, Status.class));
            } catch (JsonProcessingException e) {
                log.warn("ignoring unreadable status of container {} in {}: {}", id, key, e.getOriginalMessage());
            }
        });
        loaded = true;
    }

    /** Forgets what was read, so that the next update reads Redis again (it was emptied or failed over). */
    public void reload() {
        written.clear();
        loaded = false;
    }

    private CompletionStage<Void> watched(CompletionStage<Void> writes) {
        return writes.whenComplete((done, error) -> {
            if (error != null) {
                stale = true;
            }
        });
    }

    private static String encode(Status status) {
        try {
            return JSON.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

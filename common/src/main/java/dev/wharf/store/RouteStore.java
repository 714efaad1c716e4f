package dev.wharf.store;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Candidate;
import dev.wharf.route.Frontend;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.LookupRule;
import dev.wharf.route.RoutePaths;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Routes in Hipache's Redis format (SPEC §1). Every change is one Lua script, so it is atomic: the identifier
 * stays first, no backend appears twice, the key is deleted when no backend is left, {@code dead:<host>} of
 * that host is cleared, and the host is published on the routes channel (only when something changed).
 *
 * <p>Lookups may go to a replica (Hipache's and planb's read/write split): they go to the writes' connection
 * instead whenever the replica fails to answer, so a replica going away costs a failed attempt, never a route.
 *
 * <p>All methods are non-blocking; a caller that may block (the agent) joins the returned stage.
 */
public final class RouteStore implements AutoCloseable {

    private static final LuaScript LOOKUP = LuaScript.load("lookup.lua", ScriptOutputType.MULTI);
    private static final LuaScript ADD_BACKEND = LuaScript.load("add-backend.lua", ScriptOutputType.MULTI);
    private static final LuaScript REMOVE_BACKEND = LuaScript.load("remove-backend.lua", ScriptOutputType.INTEGER);
    private static final LuaScript MARK_DEAD = LuaScript.load("mark-dead.lua", ScriptOutputType.INTEGER);
    private static final LuaScript PROBE_RESERVE = LuaScript.load("probe-reserve.lua", ScriptOutputType.INTEGER);
    private static final LuaScript PROBE_RESULT = LuaScript.load("probe-result.lua", ScriptOutputType.INTEGER);

    /** A replica that failed a lookup is not asked again for this long (a hung one costs a timeout each time). */
    static final Duration REPLICA_PAUSE = Duration.ofSeconds(1);

    private final RedisConnection redis;
    private final RedisConnection reads;
    private volatile long replicaFailedNanos = System.nanoTime() - REPLICA_PAUSE.toNanos();
    private final RouteKeys keys;

    public RouteStore(RedisConnection redis) {
        this(redis, redis);
    }

    /** @param reads where lookups go first (a replica), or {@code redis} itself; its keys are {@code redis}'s */
    public RouteStore(RedisConnection redis, RedisConnection reads) {
        this.redis = redis;
        this.reads = reads;
        this.keys = new RouteKeys(redis.target().prefix());
    }

    public static RouteStore connect(String redisUrl) {
        return new RouteStore(new RedisConnection(RedisTarget.parse(redisUrl)));
    }

    public RouteKeys keys() {
        return keys;
    }

    /**
     * The routes of the first candidate that has any, in lookup order: its whole-host frontend and its path
     * routes, each with the dead marks of the request host (Hipache keys {@code dead:} by the host the client
     * asked for, not by the frontend that matched) and its options. When no candidate has a route, none, and why
     * the agents say the request host has none.
     */
    public CompletionStage<LookupAnswer> lookup(String requestHost, List<Candidate> candidates) {
        String[] args = new String[candidates.size() + 6];
        args[0] = keys.frontend("");
        args[1] = keys.dead("");
        args[2] = keys.paths("");
        args[3] = keys.options("");
        args[4] = keys.why("");
        args[5] = requestHost;
        for (int i = 0; i < candidates.size(); i++) {
            args[i + 6] = candidates.get(i).frontend();
        }
        return read(r -> LOOKUP.<List<Object>>run(r, new String[0], args))
                .thenApply(reply -> toFrontends(reply, candidates));
    }

    /** The whole-host route stored under exactly this host, with the dead marks of that host. */
    public CompletionStage<Optional<Frontend>> read(String host) {
        return read(host, RoutePaths.WHOLE_HOST);
    }

    /** The route stored under exactly this host and path, with the dead marks of that host. */
    public CompletionStage<Optional<Frontend>> read(String host, String path) {
        return lookup(host, List.of(new Candidate(host, LookupRule.EXACT)))
                .thenApply(found -> found.routes().stream().filter(f -> f.path().equals(path)).findFirst());
    }

    /** What adding a backend did. */
    public record Added(boolean changed, boolean optionsConflict) {
    }

    /**
     * Appends a backend to the route {@code frontend:<host><path>}, creating it with the identifier, the path in
     * {@code wharf:paths:<host>} and the options. The options are the route's first backend's: this call writes
     * them only when its backend is first, and otherwise reports whether they differ.
     */
    public CompletionStage<Added> addBackend(String host, String path, String identifier, BackendUrl backend,
                                             Map<String, String> options) {
        List<String> args = new ArrayList<>(List.of(identifier, backend.toString(), keys.routesChannel(), host, path));
        new TreeMap<>(options).forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        return call(r -> ADD_BACKEND.<List<Long>>run(r, routeKeys(host, path), args.toArray(String[]::new)))
                .thenApply(reply -> new Added(reply.get(0) == 1L, reply.get(1) == 1L));
    }

    /** Appends a backend to a whole-host route without options; true when the list changed. */
    public CompletionStage<Boolean> addBackend(String host, String identifier, BackendUrl backend) {
        return addBackend(host, RoutePaths.WHOLE_HOST, identifier, backend, Map.of()).thenApply(Added::changed);
    }

    /** Removes a backend; when it was the last, the route goes with its options and path. True when it changed. */
    public CompletionStage<Boolean> removeBackend(String host, String path, BackendUrl backend) {
        return call(r -> REMOVE_BACKEND.<Long>run(r, routeKeys(host, path), backend.toString(), keys.routesChannel(),
                host, path)).thenApply(changed -> changed == 1L);
    }

    public CompletionStage<Boolean> removeBackend(String host, BackendUrl backend) {
        return removeBackend(host, RoutePaths.WHOLE_HOST, backend);
    }

    /** Takes or renews the lock on probing a dead backend (planb's {@code dead:<host>:<url>}); true when held. */
    public CompletionStage<Boolean> reserveProbe(String requestHost, String backendUrl, String owner, Duration ttl) {
        return call(r -> PROBE_RESERVE.<Long>run(r, new String[]{keys.probeLock(requestHost, backendUrl)}, owner,
                Long.toString(ttl.toMillis()))).thenApply(held -> held == 1L);
    }

    /** What a probe found, written into the dead marks. */
    public enum ProbeOutcome { UNMARKED, MARKED_AGAIN, NOT_LISTED }

    /**
     * Records a probe's result for a backend marked dead for a request host (and path): alive, the mark goes and
     * {@code wharf:alive} tells every proxy; still dead, the mark is renewed for {@code ttl}.
     */
    public CompletionStage<ProbeOutcome> probeResult(String requestHost, String path, List<Candidate> candidates,
                                                     String backendUrl, boolean alive, Duration ttl) {
        List<String> args = new ArrayList<>(List.of(backendUrl, alive ? "1" : "0", Long.toString(Math.max(1, ttl.toSeconds())),
                keys.aliveChannel(), requestHost + path + ";" + backendUrl, keys.frontend(""), path));
        candidates.forEach(candidate -> args.add(candidate.frontend()));
        return call(r -> PROBE_RESULT.<Long>run(r, new String[]{keys.dead(requestHost + path)}, args.toArray(String[]::new)))
                .thenApply(result -> result == 1L ? ProbeOutcome.UNMARKED : result == 0L ? ProbeOutcome.MARKED_AGAIN
                        : ProbeOutcome.NOT_LISTED);
    }

    /** planb's {@code healthcheck:<host>} ({@code path}, {@code status}, {@code body}), empty when not set. */
    public CompletionStage<Map<String, String>> healthcheck(String host) {
        return read(r -> r.hgetall(keys.healthcheck(host)));
    }

    private String[] routeKeys(String host, String path) {
        return new String[]{keys.frontend(host + path), keys.dead(host + path), keys.options(host + path), keys.paths(host)};
    }

    /**
     * Marks a backend dead for a request host as Hipache does: {@code SADD dead:<host> index}, {@code EXPIRE},
     * and {@code "<host>;<url>;<index>;<listLength>"} on the {@code dead} channel.
     *
     * The mark is written only while that index of the frontend still holds {@code backendUrl}: a backend
     * removed meanwhile must not black out the one that took its place.
     *
     * @param requestHost  the request host, with the route's path for a path route ({@code dead:<host><path>})
     * @param frontendHost the frontend that matched, with the route's path (its list holds the index)
     * @param index        0-based index among the backends (list position − 1)
     * @param listLength   number of backends in the frontend
     * @return true when the mark was written, false when the index no longer holds that backend
     */
    public CompletionStage<Boolean> markDead(String requestHost, String frontendHost, String backendUrl, int index,
                                             int listLength, Duration ttl) {
        String payload = requestHost + ";" + backendUrl + ";" + index + ";" + listLength;
        String[] scriptKeys = {keys.dead(requestHost), keys.frontend(frontendHost)};
        return call(r -> MARK_DEAD.<Long>run(r, scriptKeys, Integer.toString(index),
                Long.toString(Math.max(1, ttl.toSeconds())), RouteKeys.DEAD_CHANNEL, payload, backendUrl))
                .thenApply(written -> written == 1L);
    }

    private <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        return redis.async().thenCompose(command);
    }

    /** Lookups on the replica, or on the master for {@link #REPLICA_PAUSE} after the replica failed one. */
    private <T> CompletionStage<T> read(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        if (reads == redis || System.nanoTime() - replicaFailedNanos < REPLICA_PAUSE.toNanos()) {
            return call(command);
        }
        return reads.async().thenCompose(command).exceptionallyCompose(replicaFailed -> {
            replicaFailedNanos = System.nanoTime();
            return call(command);
        });
    }

    @SuppressWarnings("unchecked")
    private static LookupAnswer toFrontends(List<Object> reply, List<Candidate> candidates) {
        int position = ((Long) reply.get(0)).intValue();
        List<String> whyNot = (List<String>) reply.get(1); // lookup.lua always answers the reasons second
        if (position == 0) {
            return new LookupAnswer(List.of(), whyNot);
        }
        String host = candidates.get(position - 1).frontend();
        List<Frontend> frontends = new ArrayList<>(reply.size() - 2);
        for (Object item : reply.subList(2, reply.size())) {
            List<Object> route = (List<Object>) item;
            List<String> list = (List<String>) route.get(1);
            List<String> options = (List<String>) route.get(3);
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i + 1 < options.size(); i += 2) {
                fields.put(options.get(i), options.get(i + 1));
            }
            frontends.add(new Frontend(host, (String) route.get(0), list.get(0), list.subList(1, list.size()),
                    deadIndexes((List<String>) route.get(2)), fields));
        }
        return new LookupAnswer(frontends, whyNot);
    }

    private static Set<Integer> deadIndexes(List<String> members) {
        Set<Integer> dead = new HashSet<>();
        for (String member : members) {
            try {
                dead.add(Integer.parseInt(member.trim()));
            } catch (NumberFormatException ignored) {
                // A hand-written mark that is not an index cannot point at a backend.
            }
        }
        return dead;
    }

    @Override
    public void close() {
        if (reads != redis) {
            reads.close();
        }
        redis.close();
    }
}

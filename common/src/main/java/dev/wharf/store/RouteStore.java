package dev.wharf.store;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Candidate;
import dev.wharf.route.Frontend;
import dev.wharf.route.LookupRule;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Routes in Hipache's Redis format (SPEC §1). Every change is one Lua script, so it is atomic: the identifier
 * stays first, no backend appears twice, the key is deleted when no backend is left, {@code dead:<host>} of
 * that host is cleared, and the host is published on the routes channel (only when something changed).
 *
 * <p>All methods are non-blocking; a caller that may block (the agent) joins the returned stage.
 */
public final class RouteStore implements AutoCloseable {

    private static final LuaScript LOOKUP = LuaScript.load("lookup.lua", ScriptOutputType.MULTI);
    private static final LuaScript ADD_BACKEND = LuaScript.load("add-backend.lua", ScriptOutputType.INTEGER);
    private static final LuaScript REMOVE_BACKEND = LuaScript.load("remove-backend.lua", ScriptOutputType.INTEGER);
    private static final LuaScript MARK_DEAD = LuaScript.load("mark-dead.lua", ScriptOutputType.INTEGER);

    private final RedisConnection redis;
    private final RouteKeys keys;

    public RouteStore(RedisConnection redis) {
        this.redis = redis;
        this.keys = new RouteKeys(redis.target().prefix());
    }

    public static RouteStore connect(String redisUrl) {
        return new RouteStore(new RedisConnection(RedisTarget.parse(redisUrl)));
    }

    public RouteKeys keys() {
        return keys;
    }

    /**
     * The first non-empty frontend among the candidates, in order, with the dead marks of the request host
     * (Hipache keys {@code dead:} by the host the client asked for, not by the frontend that matched).
     */
    public CompletionStage<Optional<Frontend>> lookup(String requestHost, List<Candidate> candidates) {
        String[] scriptKeys = new String[candidates.size() + 1];
        for (int i = 0; i < candidates.size(); i++) {
            scriptKeys[i] = keys.frontend(candidates.get(i).frontend());
        }
        scriptKeys[candidates.size()] = keys.dead(requestHost);
        return call(r -> LOOKUP.<List<Object>>run(r, scriptKeys))
                .thenApply(reply -> toFrontend(reply, candidates));
    }

    /** The frontend stored under exactly this host, with the dead marks of that host. */
    public CompletionStage<Optional<Frontend>> read(String host) {
        return lookup(host, List.of(new Candidate(host, LookupRule.EXACT)));
    }

    /** Appends a backend, creating the list with the identifier; true when the list changed. */
    public CompletionStage<Boolean> addBackend(String host, String identifier, BackendUrl backend) {
        return change(ADD_BACKEND, host, identifier, backend.toString(), keys.routesChannel(), host);
    }

    /** Removes a backend, deleting the key when it was the last; true when the list changed. */
    public CompletionStage<Boolean> removeBackend(String host, BackendUrl backend) {
        return change(REMOVE_BACKEND, host, backend.toString(), keys.routesChannel(), host);
    }

    /**
     * Marks a backend dead for a request host as Hipache does: {@code SADD dead:<host> index}, {@code EXPIRE},
     * and {@code "<host>;<url>;<index>;<listLength>"} on the {@code dead} channel.
     *
     * The mark is written only while that index of the frontend still holds {@code backendUrl}: a backend
     * removed meanwhile must not black out the one that took its place.
     *
     * @param frontendHost the frontend that matched (its list holds the index)
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

    private CompletionStage<Boolean> change(LuaScript script, String host, String... args) {
        String[] scriptKeys = {keys.frontend(host), keys.dead(host)};
        return call(r -> script.<Long>run(r, scriptKeys, args)).thenApply(changed -> changed == 1L);
    }

    private <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        return redis.async().thenCompose(command);
    }

    @SuppressWarnings("unchecked")
    private static Optional<Frontend> toFrontend(List<Object> reply, List<Candidate> candidates) {
        int position = ((Long) reply.get(0)).intValue();
        if (position == 0) {
            return Optional.empty();
        }
        List<String> list = (List<String>) reply.get(1);
        List<String> deadMembers = (List<String>) reply.get(2);
        Set<Integer> dead = new HashSet<>();
        for (String member : deadMembers) {
            try {
                dead.add(Integer.parseInt(member.trim()));
            } catch (NumberFormatException ignored) {
                // A hand-written mark that is not an index cannot point at a backend.
            }
        }
        String host = candidates.get(position - 1).frontend();
        return Optional.of(new Frontend(host, list.get(0), list.subList(1, list.size()), dead));
    }

    @Override
    public void close() {
        redis.close();
    }
}

package dev.wharf.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script from the classpath, run with EVAL.
 *
 * <p>Not EVALSHA with a fallback: after a NOSCRIPT reply the retried command would run after commands sent
 * later on the same connection, so two changes to one host could land in the wrong order. Redis caches the
 * compiled script anyway; the scripts are a few hundred bytes.
 */
final class LuaScript {

    private final String body;
    private final ScriptOutputType output;

    private LuaScript(String body, ScriptOutputType output) {
        this.body = body;
        this.output = output;
    }

    static LuaScript load(String resource, ScriptOutputType output) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + resource);
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
        return redis.eval(body, output, keys, args);
    }
}

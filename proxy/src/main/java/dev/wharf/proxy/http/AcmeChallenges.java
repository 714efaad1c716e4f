package dev.wharf.proxy.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The HTTP-01 port: the key authorization an ACME CA expects at {@code /.well-known/acme-challenge/<token>},
 * when an order (of any proxy on the Redis) waits on that token. Any other token is routed as usual, so a
 * container that gets its own certificates keeps working.
 */
public interface AcmeChallenges {

    AcmeChallenges NONE = token -> CompletableFuture.completedFuture(Optional.empty());

    CompletionStage<Optional<String>> answer(String token);

    /** The token a CA's GET asks for, or null when the request is something else (RFC 8555 §8.3: base64url). */
    static String token(HttpRequest request) {
        String uri = request.uri();
        if (!request.method().equals(HttpMethod.GET) || !uri.startsWith(Holder.PREFIX)) {
            return null;
        }
        String token = uri.substring(Holder.PREFIX.length());
        return Holder.TOKEN.matcher(token).matches() ? token : null;
    }

    /** Constants an interface cannot keep private. */
    final class Holder {
        static final String PREFIX = "/.well-known/acme-challenge/";
        static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

        private Holder() {
        }
    }
}

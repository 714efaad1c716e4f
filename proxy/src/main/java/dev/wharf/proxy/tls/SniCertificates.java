package dev.wharf.proxy.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Consumer;

/**
 * The certificate for a handshake, by SNI name: a {@code --cert-dir} file for the host or its wildcard parent,
 * else {@code tls:<host>} in Redis, else the default one ({@code default.crt}, Hipache's https block, or
 * self-signed). The Redis read is asynchronous: the event loop goes on with other connections meanwhile.
 * A name with no certificate of its own is reported to {@code missing} (automatic HTTPS orders one); a route
 * with {@code wharf.tls=default} gets the default one whatever Redis holds.
 */
public final class SniCertificates implements AsyncMapping<String, SslContext> {

    private final Certificates files;
    private final StoredCertificates stored;
    private final Consumer<String> missing;
    private final Function<String, CompletableFuture<Boolean>> forcesDefault;

    /**
     * @param forcesDefault whether the host's route says {@code wharf.tls=default}: then its certificate in Redis
     *                      is not served (asked only when there is one)
     */
    public SniCertificates(Certificates files, StoredCertificates stored, Consumer<String> missing,
                           Function<String, CompletableFuture<Boolean>> forcesDefault) {
        this.files = files;
        this.stored = stored;
        this.missing = missing;
        this.forcesDefault = forcesDefault;
    }

    @Override
    public Future<SslContext> map(String serverName, Promise<SslContext> promise) {
        String host = serverName == null ? null : normalise(serverName);
        SslContext file = files.forHost(host);
        if (file != null) {
            return promise.setSuccess(file);
        }
        if (host == null || stored == null) {
            return promise.setSuccess(files.fallback());
        }
        stored.forHost(host).whenComplete((context, error) -> {
            if (context == null) {
                missing.accept(host);
                promise.trySuccess(files.fallback());
            } else {
                forcesDefault.apply(host).whenComplete((useDefault, failed) ->
                        promise.trySuccess(Boolean.TRUE.equals(useDefault) ? files.fallback() : context));
            }
        });
        return promise;
    }

    /**
     * An ACME CA's TLS-ALPN-01 check: the validation certificate stored for the host (RFC 8737), or, when no
     * order waits on one, the host's usual certificate.
     */
    public Future<SslContext> validation(String serverName, Promise<SslContext> promise) {
        if (serverName == null || stored == null) {
            return map(serverName, promise);
        }
        String host = normalise(serverName);
        stored.validation(host).whenComplete((context, error) -> {
            if (context != null) {
                promise.trySuccess(context);
            } else {
                map(host, promise);
            }
        });
        return promise;
    }

    /** Lower case, without a trailing dot. */
    static String normalise(String serverName) {
        String host = serverName.toLowerCase(Locale.ROOT);
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}

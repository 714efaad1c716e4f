package dev.wharf.proxy.support;

import dev.wharf.proxy.ProxyServer;
import dev.wharf.proxy.config.AdminSettings;
import dev.wharf.proxy.config.BackendSettings;
import dev.wharf.proxy.config.ClientSettings;
import dev.wharf.proxy.config.ListenerSettings;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.config.StoreSettings;
import dev.wharf.proxy.config.TlsSettings;
import dev.wharf.proxy.dns.DnsSettings;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RouteStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A proxy in the test's JVM on a free port, reading routes under a key prefix of its own (Hipache's
 * {@code #prefix}), so tests share one Redis without seeing each other's routes, catch-all included.
 */
public final class TestProxy implements AutoCloseable {

    private final ProxyServer server;
    private final RedisClient redisClient;
    private StatefulRedisConnection<String, String> connection;
    private final String prefix;
    private final String redisUrl;
    private RouteStore store;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestProxy(ProxyServer server, String redisUrl, String prefix) {
        this.server = server;
        this.prefix = prefix;
        this.redisUrl = redisUrl;
        this.redisClient = RedisClient.create(redisUrl);
    }

    public static ProxySettings defaults(String redisUrlWithPrefix) {
        return new ProxySettings(
                new ListenerSettings(List.of("127.0.0.1"), 0, 0, null, null, false, DnsSettings.OFF, false),
                new StoreSettings(redisUrlWithPrefix, null, LookupOrder.DEFAULT_XIP_DOMAINS, Duration.ofSeconds(1)),
                new BackendSettings(100, Duration.ofSeconds(2), Duration.ofSeconds(10), 3, Duration.ofSeconds(30), false, true),
                new ClientSettings(Duration.ofSeconds(10), false, false, "off"),
                new AdminSettings("127.0.0.1", 0),
                TlsSettings.DEFAULT,
                2, Duration.ofSeconds(5));
    }

    public static TestProxy start(String redisUrl) {
        return start(redisUrl, settings -> settings);
    }

    /** Starts a second proxy on the same Redis and key prefix as {@code first}: two proxies of one deployment. */
    public static TestProxy beside(TestProxy first, UnaryOperator<ProxySettings> tune) {
        return new TestProxy(startServer(() -> tune.apply(defaults(first.redisUrl + "#" + first.prefix))),
                first.redisUrl, first.prefix);
    }

    /** Starts a proxy on its own key prefix; {@code tune} adjusts the test defaults. */
    public static TestProxy start(String redisUrl, UnaryOperator<ProxySettings> tune) {
        String prefix = "t" + Long.toHexString(System.nanoTime()) + ":";
        return new TestProxy(startServer(() -> tune.apply(defaults(redisUrl + "#" + prefix))), redisUrl, prefix);
    }

    /**
     * A port a test took from {@code FreePort} was free a moment ago, and may be taken by any connection on the
     * machine before the proxy binds it; the settings are made again for each attempt, so such a port is picked again.
     */
    private static ProxyServer startServer(Supplier<ProxySettings> settings) {
        for (int attempt = 1; ; attempt++) {
            try {
                return ProxyServer.start(settings.get());
            } catch (IOException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    public int port() {
        return server.httpPort();
    }

    public int dnsPort() {
        return server.dnsPort();
    }

    public int httpsPort() {
        return server.httpsPort();
    }

    public int adminPort() {
        return server.adminPort();
    }

    /** Async commands on the same connection as {@link #redis}, for bulk writes. */
    public synchronized RedisAsyncCommands<String, String> redisAsync() {
        redis();
        return connection.async();
    }

    /** GET on the admin port (started with {@code Settings.adminPort}); returns "status body". */
    public String admin(String path) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.adminPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Redis commands on the same database; keys need {@link #key}. */
    public synchronized RedisCommands<String, String> redis() {
        if (connection == null) {
            connection = redisClient.connect(); // lazily: some tests start the proxy while Redis is down
        }
        return connection.sync();
    }

    /** The agent's writer on this proxy's key prefix: routes with paths and options, written atomically. */
    public synchronized RouteStore store() {
        if (store == null) {
            store = RouteStore.connect(redisUrl + "#" + prefix);
        }
        return store;
    }

    public String key(String redisKey) {
        return prefix + redisKey;
    }

    /** Writes a frontend by hand, the way an operator would with {@code redis-cli rpush}. */
    public void route(String host, String... backends) {
        redis().del(key("frontend:" + host));
        redis().rpush(key("frontend:" + host), host);
        if (backends.length > 0) {
            redis().rpush(key("frontend:" + host), backends);
        }
        announce(host);
    }

    /** Publishes a route change for a host, as the agent's writes do. */
    public void announce(String host) {
        redis().publish(prefix + "wharf:routes", host);
    }

    public HttpResponse<String> get(String host, String path) {
        return send(request(host, path).GET().build());
    }

    public HttpRequest.Builder request(String host, String path) {
        return HttpRequest.newBuilder(URI.create(url(path))).header("Host", host).timeout(Duration.ofSeconds(20));
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpClient client() {
        return client;
    }

    @Override
    public void close() {
        server.close();
        if (store != null) {
            store.close();
        }
        if (connection != null) {
            connection.close();
        }
        redisClient.shutdown();
    }
}

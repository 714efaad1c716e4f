package dev.wharf.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * An admin port (bound to loopback by default):
 * {@code /healthz} — 200 while the process works, else 503;
 * {@code /readyz} — 200 once it can do its job (listeners bound, Redis reachable), else 503;
 * {@code /metrics} — Prometheus text format.
 */
public final class AdminServer implements AutoCloseable {

    private final HttpServer server;
    private volatile HttpHandler home;
    private volatile String token;

    public AdminServer(String bind, int port, BooleanSupplier healthy, BooleanSupplier ready,
                       PrometheusMeterRegistry metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.createContext("/healthz", exchange -> status(exchange, healthy.getAsBoolean()));
        server.createContext("/readyz", exchange -> status(exchange, ready.getAsBoolean()));
        server.createContext("/metrics", exchange ->
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/", exchange -> {
            HttpHandler page = home;
            if (page == null) {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            } else if (exchange.getRequestURI().getPath().equals("/")) {
                guarded(page).handle(exchange);
            } else {
                page.handle(exchange); // the page's own assets, the same for everyone: no token (a browser sends none)
            }
        });
    }

    /**
     * Requires this token on {@link #handle}d endpoints and the home page ({@code Authorization: Bearer <token>},
     * or {@code ?token=} for a page opened in a browser); health, readiness, metrics and the home page's assets
     * stay open.
     */
    public void requireToken(String token) {
        this.token = token;
    }

    /** What answers every path no endpoint claims (the dashboard); 404 without one. */
    public void home(HttpHandler page) {
        this.home = page;
    }

    /** Adds an endpoint (before {@link #start}); the handler may block: the admin port has its own thread. */
    public void handle(String path, HttpHandler handler) {
        server.createContext(path, exchange -> guarded(handler).handle(exchange));
    }

    private HttpHandler guarded(HttpHandler handler) {
        String required = token;
        if (required == null) {
            return handler;
        }
        return exchange -> {
            if (AdminToken.presented(exchange, required)) {
                handler.handle(exchange);
            } else {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"wharf admin\"");
                respond(exchange, 401, "text/plain; charset=utf-8", "this admin endpoint needs the admin token\n");
            }
        };
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange exchange, boolean ok) throws IOException {
        respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ok\n");
    }

    public static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.wharf.admin;

import com.sun.net.httpserver.HttpExchange;
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

    public AdminServer(String bind, int port, BooleanSupplier healthy, BooleanSupplier ready,
                       PrometheusMeterRegistry metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.createContext("/healthz", exchange -> status(exchange, healthy.getAsBoolean()));
        server.createContext("/readyz", exchange -> status(exchange, ready.getAsBoolean()));
        server.createContext("/metrics", exchange ->
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8", "not found\n"));
    }

    /** Adds an endpoint (before {@link #start}); the handler may block: the admin port has its own thread. */
    public void handle(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler);
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

package dev.wharf.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.wharf.admin.AdminServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * The dashboard page on the admin port: plain HTML, CSS and JavaScript served from the jar, no build step and
 * nothing fetched from elsewhere (the Content-Security-Policy says so to the browser too). The page polls
 * {@code /api/frontends} and {@code /api/routes/<host>} on this same port.
 */
public final class Dashboard implements HttpHandler {

    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[]{"dashboard.html", "text/html; charset=utf-8"},
            "/dashboard.js", new String[]{"dashboard.js", "text/javascript; charset=utf-8"},
            "/dashboard.css", new String[]{"dashboard.css", "text/css; charset=utf-8"});
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String[] file = FILES.get(exchange.getRequestURI().getPath());
        if (file == null || !exchange.getRequestMethod().equals("GET")) {
            AdminServer.respond(exchange, 404, "text/plain; charset=utf-8", "not found\n");
            return;
        }
        byte[] body;
        try (InputStream in = Dashboard.class.getResourceAsStream(file[0])) {
            body = in.readAllBytes();
        }
        exchange.getResponseHeaders().set("Content-Type", file[1]);
        exchange.getResponseHeaders().set("Content-Security-Policy", POLICY);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}

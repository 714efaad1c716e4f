package dev.wharf.proxy.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.wharf.admin.AdminServer;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** What the admin port's JSON endpoints share: one mapper, the answer, the query string. */
final class AdminJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminJson() {
    }

    /** An answer for people and scripts alike: indented. */
    static void send(HttpExchange exchange, int status, Object body) throws IOException {
        AdminServer.respond(exchange, status, "application/json", MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n");
    }

    /** An answer a page polls every few seconds: compact. */
    static void sendCompact(HttpExchange exchange, int status, Object body) throws IOException {
        AdminServer.respond(exchange, status, "application/json", MAPPER.writeValueAsString(body) + "\n");
    }

    /** The request's query parameters, decoded; the last of a repeated one wins. */
    static Map<String, String> query(HttpExchange exchange) {
        String raw = exchange.getRequestURI().getRawQuery();
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }
}

package dev.wharf.admin;

import com.sun.net.httpserver.HttpExchange;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Whether a request to the admin port presents the admin token, compared in constant time. */
final class AdminToken {

    private AdminToken() {
    }

    static boolean presented(HttpExchange exchange, String token) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && same(header.substring(7).trim(), token)) {
            return true;
        }
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=") && same(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8), token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean same(String given, String token) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }
}

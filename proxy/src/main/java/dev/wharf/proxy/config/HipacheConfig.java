package dev.wharf.proxy.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of Hipache's {@code config.json} that Wharf uses; every field is null when the file does not
 * set it. Keys Hipache had that Wharf does not need ({@code server.debug}, {@code server.staticDir}, ...)
 * are ignored, and so is {@code https.bind} (HTTPS listens on the HTTP addresses).
 */
public record HipacheConfig(
        Integer workers,
        Integer maxSockets,
        Integer deadBackendTtl,
        Integer tcpTimeout,
        Integer retryOnError,
        Boolean deadBackendOn500,
        Boolean httpKeepAlive,
        String accessLog,
        Integer httpPort,
        List<String> httpBind,
        String driver,
        String readDriver,
        Integer httpsPort,
        String httpsCert,
        String httpsKey,
        List<String> httpsCa) {

    private static final JsonFactory LENIENT = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .build();
    private static final ObjectMapper MAPPER = new JsonMapper(LENIENT);

    public static HipacheConfig read(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    static HipacheConfig parse(String name, String text) throws ConfigException {
        JsonNode root;
        Map<String, Integer> lines;
        try {
            root = MAPPER.readTree(text);
            lines = linesOfKeys(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException(name + (at == null ? "" : " line " + at.getLineNr()) + ": not valid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(name + ": must be a JSON object like Hipache's config.json");
        }
        Fields fields = new Fields(name, root, lines);
        return new HipacheConfig(
                fields.integer("server.workers", 0, 1024),
                fields.integer("server.maxSockets", 1, 1_000_000),
                fields.integer("server.deadBackendTTL", 1, 86_400),
                fields.integer("server.tcpTimeout", 1, 86_400),
                fields.integer("server.retryOnError", 0, 100),
                fields.bool("server.deadBackendOn500"),
                fields.bool("server.httpKeepAlive"),
                fields.string("server.accessLog"),
                fields.integer("http.port", 0, 65535),
                fields.strings("http.bind"),
                fields.driver(0),
                fields.driver(1),
                fields.integer("https.port", 0, 65535),
                fields.string("https.cert"),
                fields.string("https.key"),
                fields.strings("https.ca"));
    }

    /** Line of every value, by dotted path ({@code server.workers}): Jackson's tree does not keep them. */
    private static Map<String, Integer> linesOfKeys(String text) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = LENIENT.createParser(text)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME) {
                    String path = parser.getParsingContext().pathAsPointer().toString().substring(1).replace('/', '.');
                    lines.put(path, parser.currentLocation().getLineNr());
                }
            }
        }
        return lines;
    }

    /** Typed access to the tree; every wrong type is one error naming file, line and key. */
    private record Fields(String file, JsonNode root, Map<String, Integer> lines) {

        private JsonNode node(String path) {
            JsonNode node = root;
            for (String part : path.split("\\.")) {
                node = node == null ? null : node.get(part);
            }
            return node == null || node.isNull() ? null : node;
        }

        private ConfigException wrong(String path, String expected, JsonNode value) {
            Integer line = lines.get(path);
            return new ConfigException(file + (line == null ? "" : " line " + line) + ": " + path
                    + " must be " + expected + ", not " + value);
        }

        Integer integer(String path, int min, int max) throws ConfigException {
            JsonNode value = node(path);
            if (value == null) {
                return null;
            }
            if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < min || value.intValue() > max) {
                throw wrong(path, "a whole number from " + min + " to " + max, value);
            }
            return value.intValue();
        }

        Boolean bool(String path) throws ConfigException {
            JsonNode value = node(path);
            if (value == null) {
                return null;
            }
            if (!value.isBoolean()) {
                throw wrong(path, "true or false", value);
            }
            return value.booleanValue();
        }

        String string(String path) throws ConfigException {
            JsonNode value = node(path);
            if (value == null) {
                return null;
            }
            if (!value.isTextual() || value.textValue().isBlank()) {
                throw wrong(path, "a non-empty string", value);
            }
            return value.textValue();
        }

        /** Hipache allowed one address or a list ({@code "bind": ["127.0.0.1", "::1"]}). */
        List<String> strings(String path) throws ConfigException {
            JsonNode value = node(path);
            if (value == null) {
                return null;
            }
            List<String> result = new ArrayList<>();
            for (JsonNode item : value.isArray() ? value : List.of(value)) {
                if (!item.isTextual() || item.textValue().isBlank()) {
                    throw wrong(path, "an address or a list of addresses", value);
                }
                result.add(item.textValue());
            }
            if (result.isEmpty()) {
                throw wrong(path, "an address or a list of addresses", value);
            }
            return result;
        }

        /**
         * Hipache's {@code driver}: a Redis URL, or a list of them whose first is the master (writes) and second a
         * replica to read from; more are refused rather than ignored.
         */
        String driver(int index) throws ConfigException {
            List<String> urls = strings("driver");
            if (urls == null || index >= urls.size()) {
                return null;
            }
            if (urls.size() > 2) {
                throw wrong("driver", "one Redis URL, or two: the master and a replica to read from", node("driver"));
            }
            try {
                dev.wharf.store.RedisTarget.parse(urls.get(index));
            } catch (IllegalArgumentException e) {
                throw wrong("driver", "a Redis URL (" + e.getMessage() + ")", node("driver"));
            }
            return urls.get(index);
        }
    }
}

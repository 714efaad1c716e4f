package dev.wharf.proxy;

import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What passes through: bodies, framing, interim responses, bodiless responses, protocol upgrades. */
class ForwardingIT {

    private static TestProxy proxy;
    private static TestBackend backend;

    @BeforeAll
    static void start() {
        proxy = TestProxy.start(TestRedis.url());
        backend = TestBackend.start("fwd");
        proxy.route("fwd.example.net", backend.url());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    private static String exchange(String request) {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            return raw.send(request).readResponse();
        }
    }

    @Test
    void streamsAChunkedRequestAndAChunkedResponse() {
        String response;
        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("POST /echo HTTP/1.1\r\nHost: fwd.example.net\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            response = readChunked(raw);
        }
        assertThat(response).isEqualTo("hello world");
    }

    @Test
    void passesTrailers() {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /trailers HTTP/1.1\r\nHost: fwd.example.net\r\nTE: trailers\r\n\r\n");
            String all = readUntil(raw, "x-checksum: 42\r\n\r\n", 1);
            assertThat(all).contains("transfer-encoding: chunked").contains("part1,").contains("part2")
                    .contains("x-checksum: 42");
        }
    }

    @Test
    void relaysExpect100ContinueFromTheBackend() {
        HttpResponse<String> response = proxy.send(proxy.request("fwd.example.net", "/count").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("12345")).build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("5");
    }

    @Test
    void answersHeadWithoutABody() {
        HttpResponse<String> head = proxy.send(proxy.request("fwd.example.net", "/").method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-length")).contains("3");
        assertThat(head.body()).isEmpty();
        // The connection is still in step: the next request on it gets its own answer.
        assertThat(proxy.get("fwd.example.net", "/").body()).isEqualTo("fwd");
    }

    @Test
    void keepsBodilessStatusesBodiless() {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.send("GET /status?code=204 HTTP/1.1\r\nHost: fwd.example.net\r\n\r\n").readResponse())
                    .startsWith("HTTP/1.1 204");
            assertThat(raw.send("GET /status?code=304 HTTP/1.1\r\nHost: fwd.example.net\r\n\r\n").readResponse())
                    .startsWith("HTTP/1.1 304");
            assertThat(raw.send("GET / HTTP/1.1\r\nHost: fwd.example.net\r\n\r\n").readResponse())
                    .startsWith("HTTP/1.1 200").endsWith("fwd");
        }
    }

    @Test
    void servesPipelinedRequestsInOrder() {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /slow?ms=200 HTTP/1.1\r\nHost: fwd.example.net\r\n\r\nGET / HTTP/1.1\r\nHost: fwd.example.net\r\n\r\n");
            assertThat(raw.readResponse()).endsWith("slow fwd");
            assertThat(raw.readResponse()).endsWith("fwd");
        }
    }

    @Test
    void relaysWebSocketFramesBothWays() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> two = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Host", "fwd.example.net")
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        received.add(data.toString());
                        if (received.size() == 2) {
                            two.complete(null);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("hello", true).get(5, TimeUnit.SECONDS);
        socket.sendText("again", true).get(5, TimeUnit.SECONDS);
        two.get(10, TimeUnit.SECONDS);
        assertThat(received).containsExactly("fwd: hello", "fwd: again");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void answersARefusedUpgradeWithTheBackendsHttpError() {
        String response = exchange("GET /status?code=400 HTTP/1.1\r\nHost: fwd.example.net\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400");
    }

    @Test
    void answersAnUpgradeToAnUnreachableBackendWith502() {
        proxy.route("ws-down.example.net", "http://127.0.0.1:" + FreePort.find());
        assertThatThrownBy(() -> HttpClient.newHttpClient().newWebSocketBuilder().header("Host", "ws-down.example.net")
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .rootCause().hasMessageContaining("502");
    }

    /** Reads a chunked response to its end and returns the de-chunked body. */
    private static String readChunked(RawHttp raw) {
        String all = readUntil(raw, "\r\n0\r\n\r\n", 1);
        String body = all.substring(all.indexOf("\r\n\r\n") + 4);
        StringBuilder text = new StringBuilder();
        while (true) {
            int lineEnd = body.indexOf("\r\n");
            int size = Integer.parseInt(body.substring(0, lineEnd).trim(), 16);
            if (size == 0) {
                return text.toString();
            }
            text.append(body, lineEnd + 2, lineEnd + 2 + size);
            body = body.substring(lineEnd + 2 + size + 2);
        }
    }

    private static String readUntil(RawHttp raw, String marker, int occurrences) {
        return raw.readUntil(marker, occurrences, Duration.ofSeconds(10));
    }
}

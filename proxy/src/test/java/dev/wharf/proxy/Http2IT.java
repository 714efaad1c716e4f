package dev.wharf.proxy;

import dev.wharf.proxy.support.Browser;
import dev.wharf.proxy.support.Commands;
import dev.wharf.proxy.support.RawHttp2;
import dev.wharf.proxy.support.RawHttp2.Frame;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.proxy.support.TlsClient;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.Integration;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.wharf.proxy.support.RawHttp2.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 to clients with real clients (the JDK's HttpClient, curl, nghttp) over TLS (ALPN h2) and h2c with
 * prior knowledge, and hand-written frames for the abuse a real client never sends.
 */
class Http2IT {

    private static final String HOST = "h2.example.net";
    private static final String LOCAL = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static TestBackend backend;
    private static TestProxy proxy;
    private static Path accessLog;

    @BeforeAll
    static void start() throws IOException {
        backend = TestBackend.start("h2-backend");
        accessLog = Files.createTempFile("wharf-h2", ".log");
        proxy = TestProxy.start(TestRedis.url(),
                s -> Settings.accessLog(Settings.h2c(Settings.https(s, FreePort.find(), null)), accessLog.toString()));
        proxy.route(HOST, backend.url());
        proxy.route(LOCAL, backend.url()); // the JDK client's :authority is its URI's
    }

    @AfterAll
    static void stop() throws IOException {
        proxy.close();
        backend.close();
        Files.deleteIfExists(accessLog);
    }

    private static HttpClient h2Client() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TlsClient.trustAll())
                .connectTimeout(WAIT).build();
    }

    /** The proxy's self-signed default certificate does not name 127.0.0.1: the pom turns the client's name check off. */
    private static HttpRequest.Builder overTls(String path) {
        return HttpRequest.newBuilder(URI.create("https://" + LOCAL + ":" + proxy.httpsPort() + path)).timeout(WAIT);
    }

    @Test
    void theJdkClientNegotiatesH2AndEachStreamIsAnOrdinaryExchange() throws Exception {
        HttpClient client = h2Client();
        HttpResponse<String> headers = client.send(overTls("/headers").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(headers.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(headers.statusCode()).isEqualTo(200);
        // To the backend it is HTTP/1.1 with the usual forwarded headers and nothing of HTTP/2's
        assertThat(headers.body()).startsWith("GET /headers HTTP/1.1\n")
                .contains("host: " + LOCAL + ":" + proxy.httpsPort() + "\n", "x-forwarded-proto: https\n")
                .doesNotContain("x-http2", ":authority");
        // its access-log line says the client's protocol
        Wait.until("the access-log line of the HTTP/2 request", WAIT,
                () -> logged("\"GET /headers HTTP/2.0\" 200 "));

        // a body without a length goes to the backend chunked
        HttpResponse<String> echoed = client.send(overTls("/echo")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        "x".repeat(100_000).getBytes(StandardCharsets.US_ASCII)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(echoed.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(echoed.body()).hasSize(100_000);

        // 100 requests at once (the most streams a connection may have open) share one connection and all succeed
        List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(client.sendAsync(overTls("/?n=" + i).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : many) {
            assertThat(response.get(20, TimeUnit.SECONDS).body()).isEqualTo("h2-backend");
        }
    }

    @Test
    void retriesDeadMarksRouteOptionsAndTrailersAreAnHttp11RequestsOnAStream() throws Exception {
        String h2c = "http://127.0.0.1:" + proxy.port() + "/";
        // a backend that refuses connections: the stream is retried on the next one, and the first is marked dead
        String retry = "retry.h2.example.net";
        proxy.route(retry, "http://127.0.0.1:" + FreePort.find(), backend.url());
        assertThat(Commands.run("curl", "-s", "--http2-prior-knowledge", "-w", " %{http_version} %{http_code}", "-H", "Host: " + retry, h2c))
                .isEqualTo("h2-backend 2 200");
        assertThat(proxy.redis().smembers(proxy.key("dead:" + retry))).containsExactly("0");

        // basic auth answers 401 with its realm, and lets the right user in
        String locked = "auth.h2.example.net";
        String hash = org.bouncycastle.crypto.generators.OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 5);
        proxy.store().addBackend(locked, "", locked, dev.wharf.route.BackendUrl.parse(backend.url()),
                java.util.Map.of("auth", "alice:" + hash)).toCompletableFuture().join();
        assertThat(Commands.run("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-D", "-", "-H", "Host: " + locked, h2c))
                .startsWith("HTTP/2 401").contains("www-authenticate: Basic realm=\"" + locked + "\"");
        assertThat(Commands.run("curl", "-s", "--http2-prior-knowledge", "-u", "alice:s3cret", "-w", " %{http_code}",
                "-H", "Host: " + locked, h2c)).isEqualTo("h2-backend 200");

        // a backend's trailers end the stream as a HEADERS frame
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.get(1, HOST, "/trailers", true);
            Frame end = client.until(f -> f.stream() == 1 && f.endsStream(), WAIT);
            assertThat(end.type()).isEqualTo(HEADERS);
            assertThat(end.headers().get("x-checksum").toString()).isEqualTo("42");
        }
    }

    /**
     * What an HTTP/1.1 head could not carry — CR, LF or NUL in a header value, a space or control character in the
     * path, names HTTP/2 forbids (upper case, connection-specific) — is refused (RST_STREAM, GOAWAY or a 4xx from
     * the proxy); none of it reaches the backend, where it could split the request it is turned into.
     */
    @Test
    void whatAnHttp11HeadCannotCarryNeverReachesTheBackend() {
        String[][] hostile = { // path, then a header's name and value
                {"/headers", "x-evil", "a\r\nx-injected: 1"}, {"/headers", "x-evil", "a\nx-injected: 1"},
                {"/headers", "x-evil", "a\u0000b"}, {"/headers", "X-Upper", "1"}, {"/headers", "connection", "close"},
                {"/headers", "transfer-encoding", "chunked"}, {"/headers", "x evil", "1"},
                {"/a b", "x-fine", "1"}, {"/a\r\nx-injected: 1", "x-fine", "1"}, {"/a\u0000", "x-fine", "1"},
                {"/a HTTP/1.1", "x-fine", "1"}, {"", "x-fine", "1"},
        };
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) { // the same frames with a plain header pass
            client.frame(HEADERS, END_HEADERS | END_STREAM, 1, requestBlock(HOST, "/headers", "x-fine", "a b"));
            Frame answer = client.until(f -> f.stream() == 1 && f.type() == HEADERS, WAIT);
            assertThat(answer.headers().status().toString()).isEqualTo("200");
        }
        int before = backend.requests();
        for (String[] request : hostile) { // a connection each: some are connection errors (GOAWAY)
            try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
                client.frame(HEADERS, END_HEADERS | END_STREAM, 1, requestBlock(HOST, request[0], request[1], request[2]));
                Frame answer = client.until(f -> f.type() == RST_STREAM || f.type() == GOAWAY
                        || (f.stream() == 1 && f.type() == HEADERS), WAIT);
                String what = String.join(" | ", request) + " (" + client.trace() + ")";
                if (answer.type() == HEADERS) {
                    assertThat(answer.headers().status().toString()).as(what).startsWith("4");
                }
            }
        }
        assertThat(backend.requests()).isEqualTo(before);
    }

    /** A real browser: chromium negotiates h2 by ALPN, and its page's subresources come over the same protocol. */
    @Test
    void chromiumNegotiatesH2() {
        ChromeDriver browser = Browser.start("--ignore-certificate-errors",
                "--host-resolver-rules=MAP " + HOST + " 127.0.0.1");
        try {
            browser.get("https://" + HOST + ":" + proxy.httpsPort() + "/");
            assertThat(browser.findElement(By.tagName("body")).getText()).isEqualTo("h2-backend");
            Object protocol = ((JavascriptExecutor) browser).executeScript(
                    "return performance.getEntriesByType('navigation')[0].nextHopProtocol;");
            assertThat(protocol).isEqualTo("h2");
            Object fetched = ((JavascriptExecutor) browser).executeAsyncScript(
                    "const done = arguments[0]; fetch('/headers').then(r => r.text()).then(done, e => done(String(e)));");
            assertThat((String) fetched).startsWith("GET /headers HTTP/1.1").contains("x-forwarded-proto: https");
        } finally {
            browser.quit();
        }
    }

    /** With curl: the JDK 17 client fails every stream on any GOAWAY, whatever its last stream id. */
    @Test
    void shuttingDownSendsGoAwayAndFinishesTheStreamsUnderWay() throws Exception {
        TestProxy closing = TestProxy.start(TestRedis.url(), s -> Settings.https(s, FreePort.find(), null));
        closing.route(HOST, backend.url());
        long before = backend.requests();
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() ->
                Commands.run("curl", "-sk", "--http2", "-w", " %{http_version} %{http_code}",
                        "--resolve", HOST + ":" + closing.httpsPort() + ":127.0.0.1",
                        "https://" + HOST + ":" + closing.httpsPort() + "/slow?ms=1000"));
        Wait.until("the request to reach the backend", WAIT, () -> backend.requests() > before);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("slow h2-backend 2 200");
        // the connection closed when its stream was done, not when the 5 s shutdown grace ran out
        closed.get(4, TimeUnit.SECONDS);
    }

    @Test
    void curlAndNghttpSpeakH2OverTlsAndH2cWithPriorKnowledge() throws Exception {
        assertThat(Commands.run("curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "--resolve", HOST + ":" + proxy.httpsPort() + ":127.0.0.1", "https://" + HOST + ":" + proxy.httpsPort() + "/"))
                .isEqualTo("2 200");
        assertThat(Commands.run("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "-H", "Host: " + HOST, "http://127.0.0.1:" + proxy.port() + "/")).isEqualTo("2 200");
        // plain HTTP/1.1 on the same port still works
        assertThat(Commands.run("curl", "-s", "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "-H", "Host: " + HOST, "http://127.0.0.1:" + proxy.port() + "/")).isEqualTo("1.1 200");
        String nghttp = Commands.run("nghttp", "-nv", "-H", ":authority: " + HOST, "https://127.0.0.1:" + proxy.httpsPort() + "/");
        assertThat(nghttp).contains("The negotiated protocol: h2", ":status: 200");
    }

    @Test
    void withoutH2cThePlainPortSpeaksOnlyHttp11() throws Exception {
        try (TestProxy plain = TestProxy.start(TestRedis.url())) {
            plain.route(HOST, backend.url());
            String answer = Commands.run("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                    "-H", "Host: " + HOST, "http://127.0.0.1:" + plain.port() + "/");
            assertThat(answer).doesNotStartWith("2 ");
        }
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.batch(() -> {
                for (int i = 0; i < 300; i++) {
                    int stream = 1 + 2 * i;
                    client.get(stream, HOST, "/", true);
                    client.rst(stream, CANCEL);
                }
            });
            Frame goAway = client.until(f -> f.type() == GOAWAY, WAIT);
            assertThat(goAway).as(client.trace()).isNotNull();
            assertThat(goAway.errorCode()).as(client.trace()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void aPingFloodEndsTheConnectionWithEnhanceYourCalm() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.batch(() -> {
                for (int i = 0; i < 1000; i++) {
                    client.ping(i);
                }
            });
            Frame goAway = client.until(f -> f.type() == GOAWAY, WAIT);
            assertThat(goAway).as(client.trace()).isNotNull();
            assertThat(goAway.errorCode()).as(client.trace()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void theHundredAndFirstOpenStreamIsRefused() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            // Requests whose backend never answers keep their streams open.
            for (int i = 0; i < 101; i++) {
                client.get(1 + 2 * i, HOST, "/hang", true);
            }
            Frame refused = client.until(f -> f.type() == RST_STREAM && f.stream() == 201, WAIT);
            assertThat(refused).as(client.trace()).isNotNull();
            assertThat(refused.errorCode()).as(client.trace()).isEqualTo(REFUSED_STREAM);
            // the connection itself goes on: a stream that ends is answered once others end
            for (int i = 0; i < 100; i++) {
                client.rst(1 + 2 * i, CANCEL);
            }
            client.get(203, HOST, "/", true);
            Frame answer = client.until(f -> f.type() == HEADERS && f.stream() == 203, WAIT);
            assertThat(answer.headers().status().toString()).isEqualTo("200");
        }
    }

    @Test
    void aHeaderListOverTheLimitIsRefusedAndTheConnectionGoesOn() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            byte[] block = RawHttp2.requestBlock(HOST, "/", "x-big", 30_000);
            client.frame(HEADERS, END_STREAM, 1, java.util.Arrays.copyOfRange(block, 0, 16_000));
            client.frame(CONTINUATION, END_HEADERS, 1, java.util.Arrays.copyOfRange(block, 16_000, block.length));
            Frame refusal = client.until(f -> f.stream() == 1 || f.type() == GOAWAY, WAIT);
            assertThat(refusal).isNotNull();
            assertThat(refusal.type()).isEqualTo(HEADERS);
            assertThat(refusal.headers().status().toString()).isEqualTo("431");
            client.get(3, HOST, "/", true);
            Frame answer = client.until(f -> f.type() == HEADERS && f.stream() == 3, WAIT);
            assertThat(answer.headers().status().toString()).isEqualTo("200");
        }
    }

    @Test
    void aStreamTheClientDoesNotReadStallsNoOtherStream() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.get(1, HOST, "/bytes?n=50000000", true); // its window (64 KiB) is never opened again
            AtomicLong stalledBytes = new AtomicLong();
            Frame first = client.until(f -> f.type() == DATA && f.stream() == 1, WAIT);
            stalledBytes.addAndGet(first.payload().length);
            client.windowUpdate(0, first.payload().length); // the connection's window stays open
            client.get(3, HOST, "/", true);
            Frame end = client.until(f -> {
                if (f.type() == DATA) {
                    client.windowUpdate(0, Math.max(1, f.payload().length));
                    if (f.stream() == 1) {
                        stalledBytes.addAndGet(f.payload().length);
                    }
                }
                return f.stream() == 3 && f.endsStream();
            }, WAIT);
            assertThat(end).isNotNull();
            assertThat(stalledBytes.get()).isLessThanOrEqualTo(65_535);
        }
    }

    /**
     * The upload direction: a stream's DATA goes back to the client's window only as its backend takes it, so
     * a backend that stops reading stops its stream's upload (after what the sockets between hold), and the
     * connection's window still lets another stream through.
     */
    @Test
    void anUploadToABackendThatDoesNotReadStallsNoOtherStream() {
        long cap = 64L << 20; // far more than loopback's socket buffers hold
        byte[] chunk = new byte[16_384];
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.frame(HEADERS, END_HEADERS, 1, requestBlock(HOST, "/stall"));
            long window = 65_535;
            long sent = 0;
            while (sent < cap) {
                while (window >= chunk.length && sent < cap) {
                    client.frame(DATA, 0, 1, chunk);
                    window -= chunk.length;
                    sent += chunk.length;
                }
                Frame more = client.poll(f -> f.type() == WINDOW_UPDATE && f.stream() == 1, Duration.ofSeconds(2));
                if (more == null) {
                    break; // no window for 2 s: the upload is held up
                }
                window += ByteBuffer.wrap(more.payload()).getInt();
            }
            assertThat(sent).as("bytes the proxy let the client upload to a backend that reads nothing").isLessThan(cap);

            client.get(3, HOST, "/", true);
            Frame end = client.until(f -> f.stream() == 3 && f.endsStream(), WAIT);
            assertThat(end).as(client.trace()).isNotNull();
            assertThat(new String(end.payload(), StandardCharsets.UTF_8)).isEqualTo("h2-backend");
        }
    }

    @Test
    void aOneGibDownloadOverOneStreamPassesWithLittleMemory() throws Exception {
        long gib = 1L << 30;
        AtomicLong peak = new AtomicLong();
        Thread watcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                try {
                    Thread.sleep(20); // sampling, not waiting for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        String result = Commands.run("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{size_download}",
                "-H", "Host: " + HOST, "http://127.0.0.1:" + proxy.port() + "/bytes?n=" + gib);
        watcher.interrupt();
        assertThat(result).isEqualTo("2 " + gib);
        assertThat(peak.get()).as("direct memory in use at the peak").isLessThan(64L << 20);
    }

    private static boolean logged(String text) {
        try {
            return Files.readString(accessLog).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.Commands;
import dev.wharf.proxy.support.RawHttp;
import dev.wharf.proxy.support.RawHttp2;
import dev.wharf.proxy.support.RawHttp2.Frame;
import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.wharf.proxy.support.RawHttp2.DATA;
import static dev.wharf.proxy.support.RawHttp2.HEADERS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code h2c://} backends: HTTP/2 with prior knowledge from the proxy to a real HTTP/2 server (Netty's, serving
 * {@link TestBackend}'s paths), for clients of either protocol. gRPC itself is {@link GrpcIT}.
 */
class Http2BackendIT {

    private static final String HOST = "h2c.example.net";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static TestBackend backend;
    private static TestProxy proxy;

    @BeforeAll
    static void start() {
        backend = TestBackend.startH2c("h2c-backend");
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.h2c(Settings.timeouts(s, Duration.ofSeconds(2), Duration.ofSeconds(10))));
        proxy.route(HOST, backend.url());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void http11ClientsAreServedOverOneMultiplexedConnection() {
        TestBackend own = TestBackend.startH2c("own");
        try {
            proxy.route("one.h2c.example.net", own.url());
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = proxy.get("one.h2c.example.net", "/");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("own");
                assertThat(response.headers().map().keySet()).noneMatch(name -> name.startsWith("x-http2"));
            }
            // one client connection, so one event loop: its exchanges share one HTTP/2 connection, a stream each
            assertThat(own.connections()).isEqualTo(1);
            assertThat(own.requests()).isEqualTo(20);

            List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                concurrent.add(proxy.client().sendAsync(proxy.request("one.h2c.example.net", "/slow?ms=200").build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            concurrent.forEach(f -> assertThat(f.join().body()).isEqualTo("slow own"));
            // the client's connections spread over the proxy's event loops, each with its own backend connection
            assertThat(own.connections()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors() + 1);
        } finally {
            own.close();
        }
    }

    @Test
    void forwardsHeadersAndTeTrailersAndRelaysTrailersToHttp2Clients() throws Exception {
        String h2c = "http://127.0.0.1:" + proxy.port() + "/headers";
        String seen = Commands.run("curl", "-s", "--http2-prior-knowledge", "-H", "Host: " + HOST, "-H", "te: trailers", h2c);
        assertThat(seen).startsWith("GET /headers HTTP/1.1").contains("te: trailers", "x-forwarded-for: 127.0.0.1",
                "x-forwarded-proto: http", "x-http2-scheme: http"); // the backend's codec shows the :scheme it got
        assertThat(Commands.run("curl", "-s", "--http1.1", "-H", "Host: " + HOST, h2c))
                .doesNotContain("te:"); // nobody asked for trailers

        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.get(1, HOST, "/trailers", true);
            Frame end = client.until(f -> f.stream() == 1 && f.endsStream(), WAIT);
            assertThat(end.type()).isEqualTo(HEADERS);
            assertThat(end.headers().get("x-checksum").toString()).isEqualTo("42");
        }
    }

    /** Over h2c an empty answer may end with its HEADERS frame: an HTTP/1.1 client must still see where it ends. */
    @Test
    void anAnswerThatEndsWithItsHeadersGetsALengthForHttp11Clients() {
        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("GET /bare HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 0");
            client.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"); // the same connection goes on
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200").endsWith("h2c-backend");
        }
    }

    @Test
    void streamsBodiesBothWaysWithFlowControl() throws Exception {
        long size = 64L * 1024 * 1024;
        HttpResponse<InputStream> download = proxy.client().send(proxy.request(HOST, "/bytes?n=" + size).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long read = 0;
        try (InputStream in = download.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                read += n;
            }
        }
        assertThat(read).isEqualTo(size);

        HttpResponse<String> upload = proxy.send(proxy.request(HOST, "/count")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[8 * 1024 * 1024])).build());
        assertThat(upload.body()).isEqualTo(Integer.toString(8 * 1024 * 1024));
    }

    /**
     * One client connection (one event loop, so one backend connection): the first stream's client never opens
     * its window again, so the proxy stops reading that stream from the backend; what the backend sent it
     * meanwhile must not hold the backend connection's window, or every other stream to that backend stalls.
     */
    @Test
    void aStreamTheClientDoesNotReadStallsNoOtherStreamToTheSameBackend() {
        try (RawHttp2 client = RawHttp2.connect(proxy.port())) {
            client.get(1, HOST, "/bytes?n=50000000", true);
            Frame first = client.until(f -> f.type() == DATA && f.stream() == 1, WAIT);
            client.windowUpdate(0, first.payload().length); // the client connection's window stays open
            for (int stream = 3; stream <= 21; stream += 2) {
                int id = stream;
                client.get(id, HOST, "/bytes?n=100000", true);
                Frame end = client.until(f -> {
                    if (f.type() == DATA) {
                        client.windowUpdate(0, Math.max(1, f.payload().length));
                        if (f.stream() == id) {
                            client.windowUpdate(id, Math.max(1, f.payload().length));
                        }
                    }
                    return f.stream() == id && f.endsStream();
                }, WAIT);
                assertThat(end).as("stream %d (%s)", id, client.trace()).isNotNull();
            }
        }
    }

    @Test
    void aHungStreamTimesOutAloneAndAFailedBackendIsRetriedAndMarked() {
        TestBackend own = TestBackend.startH2c("hung");
        try {
            proxy.route("hang.h2c.example.net", own.url());
            assertThat(proxy.get("hang.h2c.example.net", "/hang").statusCode()).isEqualTo(504);
            // the stream was reset, the connection goes on
            assertThat(proxy.get("hang.h2c.example.net", "/").body()).isEqualTo("hung");
            assertThat(own.connections()).isEqualTo(1);
        } finally {
            own.close();
        }

        String retry = "retry.h2c.example.net";
        proxy.route(retry, "h2c://127.0.0.1:" + FreePort.find(), backend.url());
        assertThat(proxy.get(retry, "/").body()).isEqualTo("h2c-backend");
        Wait.until("the refusing backend marked dead", WAIT,
                () -> proxy.redis().smembers(proxy.key("dead:" + retry)).contains("0"));
    }

    @Test
    void aBackendThatGoesAndComesBackIsReconnectedAndOneThatIsNotHttp2Fails() {
        TestBackend going = TestBackend.startH2c("before");
        int port = going.port();
        String host = "back.h2c.example.net";
        proxy.route(host, going.url());
        assertThat(proxy.get(host, "/").body()).isEqualTo("before");
        going.close();
        assertThat(proxy.get(host, "/").statusCode()).isEqualTo(502);

        try (TestBackend back = TestBackend.startH2c("after", port)) {
            // a lone backend marked dead is tried anyway: on a new connection
            assertThat(proxy.get(host, "/").body()).isEqualTo("after");
        }

        try (TestBackend http11 = TestBackend.start("http11")) {
            String wrong = "wrong.h2c.example.net";
            proxy.route(wrong, "h2c://127.0.0.1:" + http11.port());
            HttpResponse<String> answer = proxy.get(wrong, "/");
            assertThat(answer.statusCode()).isEqualTo(502);
            assertThat(answer.body()).contains("h2c://127.0.0.1:" + http11.port());
        }
    }
}

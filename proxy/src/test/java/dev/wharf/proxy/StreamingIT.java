package dev.wharf.proxy;

import dev.wharf.proxy.support.TestBackend;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gigabyte each way through the proxy jar running with a 64 MB heap and 128 MB of direct memory: it only
 * passes if bodies are streamed with backpressure, never held whole.
 */
class StreamingIT {

    private static final long GIGABYTE = 1L << 30;
    private static final String HOST = "stream.example.net";

    private static Process proxy;
    private static TestBackend backend;
    private static int port;
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("stream");
        String prefix = "s" + Long.toHexString(System.nanoTime()) + ":";
        try (RedisClient redis = RedisClient.create(TestRedis.url());
             StatefulRedisConnection<String, String> connection = redis.connect()) {
            connection.sync().rpush(prefix + "frontend:" + HOST, HOST, backend.url());
        }
        port = FreePort.find();
        String java = ProcessHandle.current().info().command().orElse("java");
        proxy = new ProcessBuilder(java, "-Xmx64m", "-XX:MaxDirectMemorySize=128m", "-jar",
                Path.of("target", "wharf-proxy.jar").toString(),
                "--redis-url", TestRedis.url() + "#" + prefix, "--bind", "127.0.0.1", "--http-port", Integer.toString(port),
                "--admin-port", "0", "--access-log", "off")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        Wait.until("the proxy jar to answer", Duration.ofSeconds(30), () -> {
            try {
                return client.send(request("/").build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            proxy.waitFor();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Host", HOST)
                .timeout(Duration.ofMinutes(3));
    }

    @Test
    void streamsAGigabyteUpload() throws Exception {
        HttpResponse<String> response = client.send(request("/count")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(GIGABYTE))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Long.toString(GIGABYTE));
        assertThat(proxy.isAlive()).isTrue();
    }

    @Test
    void streamsAGigabyteDownload() throws Exception {
        HttpResponse<InputStream> response = client.send(request("/bytes?n=" + GIGABYTE).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        long total = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream body = response.body()) {
            for (int n; (n = body.read(buffer)) > 0; ) {
                total += n;
            }
        }
        assertThat(total).isEqualTo(GIGABYTE);
        assertThat(proxy.isAlive()).isTrue();
    }

    /** An input stream of {@code length} zero bytes, produced as it is read. */
    private static final class Zeros extends InputStream {
        private long remaining;

        Zeros(long length) {
            remaining = length;
        }

        @Override
        public int read() {
            return remaining-- > 0 ? 0 : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            remaining -= n;
            return n;
        }
    }
}

package dev.wharf.proxy.support;

import dev.wharf.testing.FreePort;
import dev.wharf.testing.Integration;
import dev.wharf.testing.Wait;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Let's Encrypt's test CA, pebble (Debian's package), as a process of the test: its API on a free port with the
 * pebble project's localhost certificate (acme4j's {@code acme://pebble} trusts its root), validating HTTP-01 on
 * the proxy's HTTP port and resolving names with the proxy's own DNS listener. Stopped and started again, it
 * forgets everything, as a CA that lost its state would.
 */
public final class TestPebble implements AutoCloseable {

    public static final String BINARY_ENV = "WHARF_TEST_PEBBLE";

    private final Path dir;
    private final int port = FreePort.find();
    private final int managementPort = FreePort.find();
    private final String dnsServer;
    private final Path log;
    private Process process;

    private TestPebble(Path dir, String dnsServer) {
        this.dir = dir;
        this.dnsServer = dnsServer;
        this.log = dir.resolve("pebble.log");
    }

    /**
     * Starts pebble validating on {@code httpPort}, resolving with the DNS server at {@code 127.0.0.1:dnsPort}.
     *
     * @param validitySeconds lifetime of the certificates it issues; 0 = pebble's default (5 years)
     * @param blocked         names it refuses to issue for (its policy, as a CA refusing would)
     */
    public static TestPebble start(Path dir, int httpPort, int tlsPort, int dnsPort, long validitySeconds,
                                   List<String> blocked) {
        String binary = System.getenv().getOrDefault(BINARY_ENV, "/usr/bin/pebble");
        if (!Files.isExecutable(Path.of(binary))) {
            throw Integration.unavailable("pebble (apt-get install pebble, or " + BINARY_ENV + ")");
        }
        TestPebble pebble = new TestPebble(dir, "127.0.0.1:" + dnsPort);
        try {
            copy("cert.pem", dir);
            copy("key.pem", dir);
            String blocklist = String.join(",", blocked.stream().map(name -> "\"" + name + "\"").toList());
            Files.writeString(dir.resolve("config.json"), """
                    {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                      "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                      "ocspResponderURL": "", "externalAccountBindingRequired": false,
                      "domainBlocklist": [%s], "certificateValidityPeriod": %d}}
                    """.formatted(pebble.port, pebble.managementPort, dir.resolve("cert.pem"), dir.resolve("key.pem"),
                    httpPort, tlsPort, blocklist, validitySeconds));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pebble.startProcess(binary);
        return pebble;
    }

    private static void copy(String resource, Path dir) throws IOException {
        try (InputStream in = TestPebble.class.getResourceAsStream("/pebble/" + resource)) {
            Files.write(dir.resolve(resource), in.readAllBytes());
        }
    }

    private void startProcess(String binary) {
        try {
            ProcessBuilder builder = new ProcessBuilder(binary, "-config", dir.resolve("config.json").toString(),
                    "-dnsserver", dnsServer)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // No deliberate sleeps, no random nonce rejections, no reused authorizations: every order is a full one.
            builder.environment().putAll(Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0",
                    "PEBBLE_AUTHZREUSE", "0"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Wait.until("pebble listening on " + port + " (log: " + log + ")", Duration.ofSeconds(20), () -> {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Starts it again on the same ports, with no memory of accounts, orders or its previous root. */
    public void restart() {
        stop();
        startProcess(System.getenv().getOrDefault(BINARY_ENV, "/usr/bin/pebble"));
    }

    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** The directory as {@code --acme-directory} takes it. */
    public String directory() {
        return "acme://pebble/localhost:" + port;
    }

    /** The root that signs what pebble issues now (a new one after each restart). */
    public X509Certificate root() {
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(trustingPebbleApi()).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + managementPort + "/roots/0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(response.body().getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read pebble's root: " + e.getMessage(), e);
        }
    }

    /** A TLS context trusting only what pebble issues now. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("pebble-root", root());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trusts the pebble project's minica root, which signed the API's certificate. */
    private static SSLContext trustingPebbleApi() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = TestPebble.class.getResourceAsStream("/org/shredzone/acme4j/provider/pebble/pebble.minica.pem")) {
            trust.setCertificateEntry("minica", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestPki;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS with real TLS clients trusting the test's own CA: SNI, reload, protocol floor, bad files. */
class TlsIT {

    @TempDir
    static Path certs;

    private static TestPki pki;
    private static TestProxy proxy;
    private static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        // Let the client offer TLS 1.1 at all (the JDK disables it), so the proxy's own refusal is what is tested.
        // JVM-wide, and read once at the first TLS use: Failsafe gives every IT class a JVM of its own.
        Security.setProperty("jdk.tls.disabledAlgorithms", "SSLv3, RC4, DES, MD5withRSA, DH keySize < 1024, NULL");
        pki = new TestPki();
        pki.issue(certs, "secure.example.net", "secure", Duration.ofDays(10), "RSA", "secure.example.net");
        pki.issue(certs, "_wildcard.wild.example.net", "wildcard", Duration.ofDays(10), "EC", "*.wild.example.net");
        pki.issue(certs, "multi", "multi", Duration.ofDays(10), "RSA", "one.example.net", "two.example.net");
        pki.issue(certs, "default", "default", Duration.ofDays(10), "RSA", "default.example.net");
        pki.issue(certs, "expired.example.net", "expired", Duration.ofDays(-1), "RSA", "expired.example.net");
        pki.issue(certs, "mismatch.example.net", "mismatch", Duration.ofDays(10), "RSA", "mismatch.example.net");
        pki.writeStrayKey(certs.resolve("mismatch.example.net.key"));
        pki.issue(certs, "nokey.example.net", "nokey", Duration.ofDays(10), "RSA", "nokey.example.net");
        java.nio.file.Files.delete(certs.resolve("nokey.example.net.key"));
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.https(s, FreePort.find(), certs));
        backend = TestBackend.start("tls-backend");
        proxy.route("secure.example.net", backend.url());
        proxy.route("*.wild.example.net", backend.url());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void picksTheCertificateBySni() throws Exception {
        assertThat(commonName("secure.example.net")).isEqualTo("CN=secure");
        assertThat(commonName("api.wild.example.net")).isEqualTo("CN=wildcard");
        assertThat(commonName("two.example.net")).isEqualTo("CN=multi");
        assertThat(commonName("elsewhere.example.org")).isEqualTo("CN=default");
        assertThat(commonName(null)).isEqualTo("CN=default");
    }

    @Test
    void skipsBadFilesAndServesTheRest() throws Exception {
        assertThat(commonName("expired.example.net")).isEqualTo("CN=default");
        assertThat(commonName("mismatch.example.net")).isEqualTo("CN=default");
        assertThat(commonName("nokey.example.net")).isEqualTo("CN=default");
    }

    @Test
    void servesAReplacedCertificateWithoutARestart() throws Exception {
        pki.issue(certs, "fresh.example.net", "fresh-1", Duration.ofDays(10), "RSA", "fresh.example.net");
        Wait.untilEquals("the new certificate", Duration.ofSeconds(10), "CN=fresh-1", () -> commonNameQuietly("fresh.example.net"));
        pki.issue(certs, "fresh.example.net", "fresh-2", Duration.ofDays(10), "RSA", "fresh.example.net");
        Wait.untilEquals("the replaced certificate", Duration.ofSeconds(10), "CN=fresh-2", () -> commonNameQuietly("fresh.example.net"));
    }

    @Test
    void refusesTls11() {
        // The server's alert, not the client's own refusal (the JDK disables TLS 1.1 unless told otherwise above).
        assertThatThrownBy(() -> handshake(pki.clientContext(), "secure.example.net", "TLSv1.1").close())
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("protocol_version");
    }

    @Test
    void proxiesHttpsWithKeepAliveAndSaysSoToTheBackend() throws Exception {
        try (SSLSocket socket = handshake(pki.clientContext(), "secure.example.net", "TLSv1.3")) {
            String first = exchange(socket, "GET /headers HTTP/1.1\r\nHost: secure.example.net\r\n\r\n");
            assertThat(first).startsWith("HTTP/1.1 200").contains("x-forwarded-proto: https\n")
                    .contains("x-forwarded-port: " + proxy.httpsPort() + "\n");
            assertThat(exchange(socket, "GET / HTTP/1.1\r\nHost: api.wild.example.net\r\n\r\n")).endsWith("tls-backend");
            assertThat(socket.getApplicationProtocol()).as("ALPN").isEqualTo("http/1.1");
        }
        try (SSLSocket tls12 = handshake(pki.clientContext(), "secure.example.net", "TLSv1.2")) {
            assertThat(exchange(tls12, "GET / HTTP/1.1\r\nHost: secure.example.net\r\n\r\n")).endsWith("tls-backend");
        }
    }

    @Test
    void generatesASelfSignedDefaultWhenNoCertificateIsConfigured() throws Exception {
        try (TestProxy bare = TestProxy.start(TestRedis.url(), s -> Settings.https(s, FreePort.find(), null))) {
            bare.route("app.localhost", backend.url());
            try (SSLSocket socket = handshake(trustAll(), bare.httpsPort(), "app.localhost", "TLSv1.3")) {
                X509Certificate certificate = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                assertThat(certificate.getSubjectX500Principal().getName()).contains("Wharf default certificate");
                assertThat(exchange(socket, "GET / HTTP/1.1\r\nHost: app.localhost\r\n\r\n")).endsWith("tls-backend");
            }
        }
    }

    @Test
    void redirectsPlainHttpWhenAsked() {
        try (TestProxy redirecting = TestProxy.start(TestRedis.url(), Settings::redirectHttps)) {
            var response = redirecting.get("secure.example.net", "/a/b?c=d");
            assertThat(response.statusCode()).isEqualTo(308);
            assertThat(response.headers().firstValue("location")).contains("https://secure.example.net/a/b?c=d");
            assertThat(redirecting.get("__ping__", "/").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void takesTheDefaultCertificateFromHipachesHttpsBlock(@TempDir Path hipache) throws Exception {
        pki.issue(hipache, "ssl", "hipache", Duration.ofDays(10), "RSA", "hipache.example.net");
        int port = FreePort.find();
        Path config = java.nio.file.Files.writeString(hipache.resolve("config.json"),
                "{\"https\": {\"port\": " + port + ", \"bind\": [\"127.0.0.1\"], \"cert\": \"ssl.crt\", \"key\": \"ssl.key\",},}");
        ProxyCommand command = new ProxyCommand();
        new picocli.CommandLine(command).parseArgs("--config", config.toString(), "--redis-url", TestRedis.url(),
                "--bind", "127.0.0.1", "--http-port", "0", "--admin-port", "0", "--access-log", "off");
        try (ProxyServer server = ProxyServer.start(command.settings());
             SSLSocket socket = handshake(pki.clientContext(), port, "any.example.org", "TLSv1.3")) {
            assertThat(server.httpsPort()).isEqualTo(port);
            assertThat(((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName())
                    .isEqualTo("CN=hipache");
        }
    }

    private static String commonName(String sni) throws Exception {
        try (SSLSocket socket = handshake(pki.clientContext(), sni, "TLSv1.3")) {
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    private static String commonNameQuietly(String sni) {
        try {
            return commonName(sni);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static SSLSocket handshake(SSLContext context, String sni, String protocol) throws IOException {
        return handshake(context, proxy.httpsPort(), sni, protocol);
    }

    private static SSLSocket handshake(SSLContext context, int port, String sni, String protocol) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /** Sends a request and reads one Content-Length response. */
    private static String exchange(SSLSocket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) != -1) {
            head.write(b);
            matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        return context;
    }
}

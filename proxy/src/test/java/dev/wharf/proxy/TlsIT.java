package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestPki;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import dev.wharf.proxy.support.TlsClient;
import dev.wharf.proxy.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS with real TLS clients trusting the test's own CA: SNI, reload, protocol floor, bad files; on both engines. */
@ParameterizedClass
@EnumSource(value = TlsEngine.Choice.class, names = {"OPENSSL", "JDK"})
class TlsIT {

    /** The engine of this round; the proxy is started with it in {@link #start}. */
    @Parameter
    TlsEngine.Choice engine;

    @TempDir
    static Path certs;

    private static TestPki pki;
    private static TestProxy proxy;
    private static TestBackend backend;

    @BeforeParameterizedClassInvocation
    static void start(TlsEngine.Choice engine) throws Exception {
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
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.tlsEngine(Settings.https(s, FreePort.find(), certs), engine));
        backend = TestBackend.start("tls-backend");
        proxy.route("secure.example.net", backend.url());
        proxy.route("*.wild.example.net", backend.url());
    }

    @AfterParameterizedClassInvocation
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
        return TlsClient.handshake(context, port, sni, protocol, false);
    }

    private static String exchange(SSLSocket socket, String request) throws IOException {
        return TlsClient.exchange(socket, request);
    }

    private static SSLContext trustAll() throws Exception {
        return TlsClient.trustAll();
    }
}

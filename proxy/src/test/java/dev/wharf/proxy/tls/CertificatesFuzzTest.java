package dev.wharf.proxy.tls;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any bytes as a certificate and key pair in the certificate directory: loading never fails; a pair that is
 * not usable is skipped with one problem naming its file, and the default certificate is still served.
 */
class CertificatesFuzzTest {

    private static final String PEM_CERT = "-----BEGIN CERTIFICATE-----\n";
    private static final String PEM_KEY = "-----BEGIN PRIVATE KEY-----\n";
    private static final TlsEngine ENGINE = TlsEngine.choose(TlsEngine.Choice.AUTO);

    private static void write(Path file, String start, byte[] rest) throws IOException {
        byte[] head = start.getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        Files.write(file, all);
    }

    @FuzzTest(maxDuration = "30s")
    void anyPemFilesAreLoadedOrSkippedByName(FuzzedDataProvider data) throws IOException {
        Path dir = Files.createTempDirectory("certs-fuzz");
        try {
            write(dir.resolve("fuzz.example.com.crt"), data.consumeBoolean() ? PEM_CERT : "", data.consumeBytes(2000));
            write(dir.resolve("fuzz.example.com.key"), data.consumeBoolean() ? PEM_KEY : "", data.consumeRemainingAsBytes());
            try (Certificates certificates = Certificates.load(dir, null, ENGINE)) {
                assertThat(certificates.map("fuzz.example.com")).isNotNull();
                certificates.problems().forEach(problem -> assertThat(problem).contains("fuzz.example.com"));
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }
}

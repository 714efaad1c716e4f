package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestPebble;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.proxy.support.TlsClient;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Renewal two thirds into a certificate's life, against pebble issuing 30-second certificates. */
class AcmeRenewalIT {

    @Test
    void renewsBeforeExpiryAndEveryProxyServesTheNewCertificate(@TempDir Path pebbleDir) throws Exception {
        String host = "renewed-" + Long.toHexString(System.nanoTime() % 0xfffff) + ".wharf-ci.net";
        try (TestProxy reached = TestProxy.start(TestRedis.url(),
                     s -> Settings.dns(Settings.https(s, FreePort.find(), null), "127.0.0.1", "wharf-ci.net"));
             TestPebble pebble = TestPebble.start(pebbleDir, reached.port(), reached.httpsPort(), reached.dnsPort(), 30, List.of());
             TestProxy ordering = TestProxy.beside(reached, s -> Settings.acme(Settings.https(s, FreePort.find(), null),
                     pebble.directory(), Duration.ofSeconds(1)));
             TestBackend backend = TestBackend.start("renewal-backend")) {
            ordering.route(host, backend.url());
            Wait.until("the first certificate", Duration.ofSeconds(60), () -> serial(reached, host) != null);
            BigInteger first = serial(reached, host);
            // Renewed at 20 s of 30; served by the proxy that did not order as soon as it is announced.
            Wait.until("a renewed certificate before the first expires", Duration.ofSeconds(40),
                    () -> serial(reached, host) != null && !first.equals(serial(reached, host)));
            assertThat(serial(ordering, host)).isEqualTo(serial(reached, host));
        }
    }

    /** The serial of the pebble-issued certificate the proxy serves for the host, or null while it serves another. */
    private static BigInteger serial(TestProxy proxy, String host) {
        try (SSLSocket socket = TlsClient.handshake(TlsClient.trustAll(), proxy.httpsPort(), host, "TLSv1.3", false)) {
            var served = TlsClient.peer(socket);
            return served.getIssuerX500Principal().getName().contains("Pebble") ? served.getSerialNumber() : null;
        } catch (Exception e) {
            return null;
        }
    }
}

package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.Integration;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy's wildcard DNS (SPEC §8) asked by real clients: dig over UDP and TCP, and Netty's resolver. */
class DnsIT {

    private static final String ZONE = "wharf.test";
    private static TestProxy proxy;
    private static TestBackend backend;

    @BeforeAll
    static void start() {
        if (!new File("/usr/bin/dig").canExecute() && !onPath("dig")) {
            throw Integration.unavailable("dig (Debian's bind9-dnsutils)");
        }
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.dns(Settings.adminPort(s, FreePort.find()), "192.0.2.10", ZONE));
        backend = TestBackend.start("app");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
            backend.close();
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Runs dig against the proxy; returns its output with the header comments and the answer section. */
    private static String dig(String... args) {
        List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(proxy.dnsPort()),
                "+time=3", "+tries=1", "+noall", "+comments", "+answer", "+authority"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0} over {2}")
    @CsvSource({
            "app.10.1.2.3.wharf.test,    10.1.2.3,    +notcp",
            "app.10-1-2-3.wharf.test,    10.1.2.3,    +notcp",
            "app.0a010203.wharf.test,    10.1.2.3,    +notcp",
            "10.1.2.3.wharf.test,        10.1.2.3,    +notcp",
            "anything.wharf.test,        192.0.2.10,  +notcp",
            "wharf.test,                 192.0.2.10,  +notcp",
            "app.10.1.2.3.wharf.test,    10.1.2.3,    +tcp",
            "anything.wharf.test,        192.0.2.10,  +tcp",
    })
    void answersEveryFormWithItsAddress(String name, String address, String transport) {
        String out = dig(transport, name, "A");
        assertThat(out).contains("status: NOERROR", "flags: qr aa").containsPattern(name + "\\.\\s+60\\s+IN\\s+A\\s+" + address);
    }

    @Test
    void theApexHasSoaAndNsAndOtherTypesGetNoData() {
        assertThat(dig(ZONE, "SOA")).containsPattern("wharf\\.test\\.\\s+60\\s+IN\\s+SOA\\s+ns\\.wharf\\.test\\. hostmaster\\.wharf\\.test\\. 1 3600 600 86400 60");
        assertThat(dig(ZONE, "NS")).containsPattern("wharf\\.test\\.\\s+60\\s+IN\\s+NS\\s+ns\\.wharf\\.test\\.");
        String aaaa = dig("app.10.1.2.3.wharf.test", "AAAA");
        assertThat(aaaa).contains("status: NOERROR", "ANSWER: 0").containsPattern("IN\\s+SOA");
    }

    @Test
    void refusesNamesOutsideTheZone() {
        assertThat(dig("app.10.1.2.3.nip.io", "A")).contains("status: REFUSED");
        assertThat(dig("+tcp", "example.com", "A")).contains("status: REFUSED");
    }

    @Test
    void truncatesALargeUdpAnswerAndTheClientGetsItOverTcp() {
        String longName = ("a".repeat(55) + ".").repeat(4) + "10.1.2.3.wharf.test";
        assertThat(dig("+noedns", "+ignore", longName, "A")).contains("flags: qr aa tc", "ANSWER: 0");
        assertThat(dig("+noedns", longName, "A")).containsPattern("IN\\s+A\\s+10\\.1\\.2\\.3");
    }

    @Test
    void netty_sResolverReachesARoutedBackendThroughTheProxysOwnDns() throws Exception {
        proxy.route("app", backend.url());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (DnsNameResolver resolver = new DnsNameResolverBuilder(group.next())
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(new InetSocketAddress("127.0.0.1", proxy.dnsPort())))
                .queryTimeoutMillis(3000).recursionDesired(false).build()) {
            InetAddress address = resolver.resolve("app.127.0.0.1." + ZONE).get(5, TimeUnit.SECONDS);
            assertThat(address.getHostAddress()).isEqualTo("127.0.0.1");

            String host = "app.127.0.0.1." + ZONE;
            var response = proxy.send(HttpRequest.newBuilder(URI.create("http://" + address.getHostAddress() + ":" + proxy.port() + "/"))
                    .header("Host", host).timeout(Duration.ofSeconds(10)).build());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("app");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void garbageNeverGetsAnAnswerAndIsCounted() throws Exception {
        Random random = new Random(42);
        double before = malformed();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(300);
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", proxy.dnsPort());
            for (int i = 1; i <= 2000; i++) {
                byte[] packet = garbage(random, i % 3);
                socket.send(new DatagramPacket(packet, packet.length, server));
                if (i % 100 == 0) { // in batches the socket buffers hold: every packet must reach the decoder
                    int sent = i;
                    Wait.until(sent + " garbage packets counted", Duration.ofSeconds(10), () -> malformed() - before >= sent);
                }
            }
            byte[] reply = new byte[1024];
            boolean answered = true;
            try {
                socket.receive(new DatagramPacket(reply, reply.length));
            } catch (SocketTimeoutException expected) {
                answered = false;
            }
            assertThat(answered).as("a reply to garbage").isFalse();
        }
        try (Socket tcp = new Socket(InetAddress.getLoopbackAddress(), proxy.dnsPort())) {
            tcp.setSoTimeout(3000);
            OutputStream out = tcp.getOutputStream();
            out.write(new byte[]{0, 5, (byte) 0x80, 0, 0, 0, 0}); // a length-prefixed "response", not a query
            out.flush();
            assertThat(tcp.getInputStream().read()).as("TCP connection closed without a reply").isEqualTo(-1);
        }
        Wait.until("the TCP garbage counted", Duration.ofSeconds(10), () -> malformed() - before >= 2001);
        assertThat(dig("app.10.1.2.3.wharf.test", "A")).contains("status: NOERROR");
    }

    private static double malformed() {
        for (String line : proxy.admin("/metrics").split("\n")) {
            if (line.startsWith("wharf_proxy_dns_malformed_total")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** Three kinds of packet the decoder must refuse: too short, a response, a question cut off. */
    private static byte[] garbage(Random random, int kind) {
        byte[] bytes;
        switch (kind) {
            case 0 -> bytes = new byte[random.nextInt(12)];
            case 1 -> {
                bytes = new byte[12 + random.nextInt(500)];
                random.nextBytes(bytes);
                bytes[2] |= (byte) 0x80; // QR: a response
                return bytes;
            }
            default -> {
                bytes = new byte[12 + random.nextInt(3)];
                random.nextBytes(bytes);
                bytes[2] &= 0x07; // a query
                bytes[4] = 0;
                bytes[5] = 1; // one question, and nothing of it follows
                return bytes;
            }
        }
        random.nextBytes(bytes);
        return bytes;
    }
}

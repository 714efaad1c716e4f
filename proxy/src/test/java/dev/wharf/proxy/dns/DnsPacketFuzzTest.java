package dev.wharf.proxy.dns;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wharf.proxy.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any bytes as a DNS datagram into the proxy's UDP pipeline: either nothing comes back (and the packet is
 * counted as malformed) or exactly one packet that decodes as a response to the same id; no exception escapes.
 */
class DnsPacketFuzzTest {

    private static final ProxyMetrics METRICS = new ProxyMetrics();
    private static final DnsQueryHandler ANSWERS =
            new DnsQueryHandler(new DnsZones(List.of("wharf.test"), "192.0.2.10"), METRICS, true);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 5353);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 53);

    @FuzzTest(maxDuration = "30s")
    void anyDatagramIsAnsweredOnceOrDroppedAndCounted(byte[] bytes) throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), ANSWERS);
        double malformedBefore = malformed();
        channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), SERVER, CLIENT));
        DatagramPacket reply = channel.readOutbound();
        assertThat((Object) channel.readOutbound()).as("a second reply").isNull();
        if (reply == null) {
            assertThat(malformed()).as("a dropped packet is counted").isEqualTo(malformedBefore + 1);
        } else {
            assertThat(reply.recipient()).isEqualTo(CLIENT);
            EmbeddedChannel client = new EmbeddedChannel(new DatagramDnsResponseDecoder());
            client.writeInbound(reply);
            DatagramDnsResponse response = client.readInbound();
            assertThat(response).as("the reply decodes").isNotNull();
            assertThat(response.id()).isEqualTo(((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff));
            response.release();
            assertThat(client.finishAndReleaseAll()).isFalse();
        }
        channel.finishAndReleaseAll();
        channel.checkException();
    }

    private static double malformed() {
        var counter = METRICS.registry().find("wharf.proxy.dns.malformed").counter();
        return counter == null ? 0 : counter.count();
    }
}

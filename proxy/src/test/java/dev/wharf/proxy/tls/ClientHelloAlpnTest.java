package dev.wharf.proxy.tls;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ClientHellos as the JDK's TLS client writes them, whole and cut short, and any bytes at all (fuzzed). */
class ClientHelloAlpnTest {

    @ParameterizedTest(name = "ALPN [{0}] offers acme-tls/1: {1}")
    @CsvSource(delimiter = '|', value = {
            "acme-tls/1               | true",
            "h2,http/1.1,acme-tls/1   | true",
            "h2,http/1.1              | false",
            "acme-tls/10              | false",
            "acme-tls                 | false",
            "''                       | false",
    })
    void findsTheProtocolAmongTheOffered(String protocols, boolean offered) throws Exception {
        ByteBuf hello = clientHello(protocols.isEmpty() ? new String[0] : protocols.split(","));
        try {
            assertThat(ClientHelloAlpn.offers(hello, "acme-tls/1")).isEqualTo(offered);
        } finally {
            hello.release();
        }
    }

    @Test
    void aHelloCutAnywhereIsNotAnOfferAndNeverThrows() throws Exception {
        ByteBuf whole = clientHello("acme-tls/1");
        try {
            for (int length = 0; length < whole.readableBytes(); length++) {
                assertThat(ClientHelloAlpn.offers(whole.slice(0, length), "acme-tls/1")).as("cut at %d", length).isFalse();
            }
        } finally {
            whole.release();
        }
    }

    @FuzzTest(maxDuration = "30s")
    void anyBytesAreReadWithoutThrowing(FuzzedDataProvider data) {
        ByteBuf bytes = Unpooled.wrappedBuffer(data.consumeRemainingAsBytes());
        ClientHelloAlpn.offers(bytes, "acme-tls/1");
    }

    /** The ClientHello body (from client_version on, as Netty's SNI handler passes it) of a JDK TLS client. */
    private static ByteBuf clientHello(String... protocols) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("shop.example.com", 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("shop.example.com")));
        parameters.setApplicationProtocols(protocols);
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        ByteBuf record = Unpooled.wrappedBuffer(out);
        // Record header (type, version, length: 5 bytes), handshake header (type, length: 4 bytes).
        int bodyLength = record.getUnsignedMedium(6);
        return Unpooled.copiedBuffer(record.slice(9, bodyLength));
    }
}

package dev.wharf.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import dev.wharf.proxy.tls.AcmeSniHandler;
import dev.wharf.proxy.tls.SniCertificates;

/** The pipeline of a client connection: TLS (HTTPS only), byte watcher, HTTP/1.1 codec, the proxying handler. */
public final class ProxyInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    private static final int MAX_CHUNK = 65536;

    private final ProxyContext shared;
    private final ChannelGroup clients;
    private final String scheme;
    private final SniCertificates certificates;

    /** A plain HTTP listener. */
    public ProxyInitializer(ProxyContext shared, ChannelGroup clients) {
        this(shared, clients, "http", null);
    }

    /** An HTTPS listener: TLS first, the certificate chosen by SNI. */
    public ProxyInitializer(ProxyContext shared, ChannelGroup clients, SniCertificates certificates) {
        this(shared, clients, "https", certificates);
    }

    private ProxyInitializer(ProxyContext shared, ChannelGroup clients, String scheme,
                             SniCertificates certificates) {
        this.shared = shared;
        this.clients = clients;
        this.scheme = scheme;
        this.certificates = certificates;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        clients.add(ch);
        initPipeline(ch);
    }

    /** The handlers alone, for any channel (an {@code EmbeddedChannel} in tests and fuzzing). */
    void initPipeline(Channel ch) {
        ClientConnection connection = new ClientConnection(shared, scheme);
        // RFC 9112 transfer-encoding rules: a request with both Content-Length and Transfer-Encoding is
        // rejected (a request smuggling attempt), not silently reinterpreted.
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK)
                .setUseRfc9112TransferEncoding(true)
                // RequestRules checks every name and value of every request head: the codec need not check them
                // first. Trailers, which RequestRules does not see, keep the codec's checks.
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));
        if (certificates != null) {
            ch.pipeline().addLast(new AcmeSniHandler(certificates));
        }
        ch.pipeline().addLast(ClientConnection.BYTE_WATCHER, connection.byteWatcher())
                .addLast(new HttpServerCodec(decoder), connection);
    }
}

package dev.wharf.proxy.http;

import dev.wharf.proxy.tls.AcmeSniHandler;
import dev.wharf.proxy.tls.SniCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

import io.netty.util.concurrent.ScheduledFuture;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of a client connection: TLS (HTTPS only), then the protocol — chosen by ALPN on HTTPS ({@code h2}
 * or {@code http/1.1}), by the client's first bytes on plain HTTP with {@code --h2c} (HTTP/2's preface or not) —
 * then for HTTP/1.1 the byte watcher, the codec and the proxying handler, for HTTP/2 an {@link Http2Connection}.
 */
public final class ProxyInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    private static final int MAX_CHUNK = 65536;

    private final ProxyContext shared;
    private final ChannelGroup clients;
    private final String scheme;
    private final SniCertificates certificates;
    private final boolean h2c;

    /** A plain HTTP listener; with {@code h2c}, HTTP/2 with prior knowledge too. */
    public ProxyInitializer(ProxyContext shared, ChannelGroup clients, boolean h2c) {
        this(shared, clients, "http", null, h2c);
    }

    /** A plain HTTP/1.1 listener. */
    public ProxyInitializer(ProxyContext shared, ChannelGroup clients) {
        this(shared, clients, "http", null, false);
    }

    /** An HTTPS listener: TLS first, the certificate chosen by SNI, the protocol by ALPN. */
    public ProxyInitializer(ProxyContext shared, ChannelGroup clients, SniCertificates certificates) {
        this(shared, clients, "https", certificates, false);
    }

    private ProxyInitializer(ProxyContext shared, ChannelGroup clients, String scheme,
                             SniCertificates certificates, boolean h2c) {
        this.shared = shared;
        this.clients = clients;
        this.scheme = scheme;
        this.certificates = certificates;
        this.h2c = h2c;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        clients.add(ch);
        if (certificates != null) {
            ch.pipeline().addLast(new AcmeSniHandler(certificates), new Negotiation());
        } else if (h2c) {
            ch.pipeline().addLast(new PriorKnowledge());
        } else {
            http1(ch.pipeline());
        }
    }

    /** The HTTP/1.1 handlers alone, for any channel (an {@code EmbeddedChannel} in tests and fuzzing). */
    void initPipeline(Channel ch) {
        http1(ch.pipeline());
    }

    private void http1(ChannelPipeline pipeline) {
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
        pipeline.addLast(ClientConnection.BYTE_WATCHER, connection.byteWatcher())
                .addLast(new HttpServerCodec(decoder), connection);
    }

    /** After the TLS handshake: what ALPN chose; no ALPN is HTTP/1.1; a CA's {@code acme-tls/1} check only closes. */
    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        private ScheduledFuture<?> timeout;

        Negotiation() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            timeout = closeUnlessDecided(ctx);
            ctx.read(); // autoRead is off: the handshake starts with a read
            super.channelActive(ctx);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
            if (timeout != null) {
                timeout.cancel(false);
            }
            super.handlerRemoved(ctx);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            switch (protocol) {
                case ApplicationProtocolNames.HTTP_2 -> Http2Connection.install(ctx.pipeline(), shared, scheme);
                case ApplicationProtocolNames.HTTP_1_1 -> http1(ctx.pipeline());
                default -> ctx.close();
            }
        }
    }

    /**
     * Plain HTTP with {@code --h2c}: HTTP/2's 24-byte preface first means HTTP/2 (prior knowledge); a first byte
     * that differs from it means HTTP/1.1. Either way this handler leaves, and what it read goes to the next.
     */
    private final class PriorKnowledge extends ByteToMessageDecoder {
        private final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        private ScheduledFuture<?> timeout;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            timeout = closeUnlessDecided(ctx);
            ctx.read();
            super.channelActive(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int length = Math.min(in.readableBytes(), preface.readableBytes());
            if (!ByteBufUtil.equals(in, in.readerIndex(), preface, preface.readerIndex(), length)) {
                http1(ctx.pipeline());
                ctx.pipeline().remove(this);
            } else if (length == preface.readableBytes()) {
                Http2Connection.install(ctx.pipeline(), shared, scheme);
                ctx.pipeline().remove(this);
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            preface.release();
        }
    }

    /** A client that has not said which protocol within the client timeout (no handshake, no first bytes) is closed. */
    private ScheduledFuture<?> closeUnlessDecided(ChannelHandlerContext ctx) {
        return ctx.executor().schedule(() -> {
            ctx.close();
        }, shared.clients.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }
}

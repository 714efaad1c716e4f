package dev.wharf.proxy.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/** The pipeline of a client connection: byte watcher, HTTP/1.1 codec, the proxying handler. */
public final class ProxyInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_REQUEST_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    private static final int MAX_CHUNK = 65536;

    private final ProxyContext shared;
    private final ChannelGroup clients;
    private final String scheme;

    public ProxyInitializer(ProxyContext shared, ChannelGroup clients, String scheme) {
        this.shared = shared;
        this.clients = clients;
        this.scheme = scheme;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        clients.add(ch);
        FrontendHandler frontend = new FrontendHandler(shared, scheme);
        // RFC 9112 transfer-encoding rules: a request with both Content-Length and Transfer-Encoding is
        // rejected (a request smuggling attempt), not silently reinterpreted.
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK)
                .setUseRfc9112TransferEncoding(true);
        ch.pipeline().addLast(frontend.byteWatcher(), new HttpServerCodec(decoder), frontend);
    }
}

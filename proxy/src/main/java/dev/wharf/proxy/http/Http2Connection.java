package dev.wharf.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 client connection: Netty's frame codec with Wharf's limits, and a child channel per stream whose
 * pipeline turns frames into the messages an HTTP/1.1 codec would give ({@link StreamCodec}) for a
 * {@link ClientConnection} of its own: each stream is one {@link Exchange}, with the routing, retries, dead
 * marks, forwarded headers, limits, timeouts, metrics and access-log line of any request.
 *
 * <p>Backpressure is HTTP/2's own: a stream's channel reads (and so grants the client window) only as fast as
 * its exchange forwards, and writes complete only when flow control lets the frame out. This handler sits
 * after the codec and watches the connection itself: it closes it when idle, and it ends floods of control
 * frames (PING, SETTINGS) with GOAWAY {@code ENHANCE_YOUR_CALM}; Netty's codec ends rapid resets
 * (CVE-2023-44487), control frames queued for a peer that does not read, empty DATA floods and header lists
 * over the limit.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2Connection.class);

    static final int MAX_CONCURRENT_STREAMS = 100;
    /** As much as an HTTP/1.1 head may carry (request line and headers). */
    static final int MAX_HEADER_LIST_SIZE = ProxyInitializer.MAX_REQUEST_LINE + ProxyInitializer.MAX_HEADER_SIZE;
    /** Netty's defaults, named: a client cancelling streams faster than this is attacking (rapid reset). */
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** PINGs and SETTINGS a client may send per window; browsers send a handful per connection. */
    static final int MAX_CONTROL_FRAMES = 500;
    static final long CONTROL_WINDOW_NANOS = 10_000_000_000L;

    private final ProxyContext shared;
    private final Http2FrameCodec codec;
    private final Deadline idle;
    private int controlFrames;
    private long controlWindowStart;

    private Http2Connection(ProxyContext shared, Http2FrameCodec codec, Channel channel) {
        this.shared = shared;
        this.codec = codec;
        this.idle = new Deadline(channel.eventLoop(), () -> idleTimedOut(channel));
    }

    /** Makes {@code pipeline}, whose TLS (if any) is done, an HTTP/2 connection; the client's preface comes next. */
    static void install(ChannelPipeline pipeline, ProxyContext shared, String scheme) {
        Http2FrameCodec codec = new ServerCodecBuilder()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(MAX_HEADER_LIST_SIZE))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(shared.clients.timeout().toMillis())
                .build();
        String clientIp = ClientConnection.clientIpOf(pipeline.channel());
        String localPort = ClientConnection.localPortOf(pipeline.channel());
        // Each stream's answer is flushed when its backend's read is done; the streams of one connection are
        // answered in the same turn of the event loop, so their flushes become one (one TLS record, one write)
        // at the end of it: about +20 % requests per second with h2load's 8 streams per connection.
        pipeline.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                codec, new Http2Connection(shared, codec, pipeline.channel()),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.config().setAutoRead(false);
                        stream.pipeline().addLast(new StreamCodec(), ClientConnection.forStream(shared, scheme, clientIp, localPort));
                    }
                }));
        // Room in the connection's window for every stream's window, as nginx does: a stream whose upload waits
        // on a slow backend (its data unread, its window full) holds up no other stream. What a client may have
        // buffered here stays bounded by the stream windows: 100 streams of 64 KiB.
        pipeline.channel().writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                MAX_CONCURRENT_STREAMS * Http2CodecUtil.DEFAULT_WINDOW_SIZE));
        // The connection reads on (setting it reads at once): what it may take is bounded by the windows and
        // limits it announced, and each stream reads only as fast as its exchange forwards.
        pipeline.channel().config().setAutoRead(true);
    }

    /**
     * The frame codec on a connection whose streams share the client's window evenly: HTTP/2's stream priorities
     * are deprecated (RFC 9113), and Netty's default weighted distributor allocates for every stream it tracks,
     * a tenth of all that a stream costs.
     */
    private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
        ServerCodecBuilder() {
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(
                    new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            connection(connection); // a server's, so the codec is a server's
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        armIdle();
    }

    /** Every frame passes here on its way to the multiplexer: the connection is not idle. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        armIdle();
        if ((msg instanceof Http2PingFrame || msg instanceof Http2SettingsFrame) && flooding()) {
            ReferenceCountUtil.release(msg);
            log.debug("client {} sent over {} PING/SETTINGS frames in 10 s: GOAWAY", ctx.channel().remoteAddress(),
                    MAX_CONTROL_FRAMES);
            shared.metrics.clientError();
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean flooding() {
        long now = System.nanoTime();
        if (now - controlWindowStart > CONTROL_WINDOW_NANOS) {
            controlWindowStart = now;
            controlFrames = 0;
        }
        return ++controlFrames > MAX_CONTROL_FRAMES;
    }

    /** No frame for the client timeout: closed (GOAWAY first) unless a stream is under way (it has its own timers). */
    private void armIdle() {
        idle.arm(shared.clients.timeout().toNanos());
    }

    private void idleTimedOut(Channel channel) {
        if (codec.connection().numActiveStreams() > 0) {
            armIdle();
        } else {
            channel.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idle.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        shared.metrics.clientError();
        if (!(cause instanceof Http2Exception)) {
            ctx.close();
        } // else the codec, which told us first, answers it: GOAWAY with the error's own code, then closes
    }
}

package dev.wharf.proxy.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;

/**
 * One HTTP/2 client connection: Netty's frame codec with Wharf's limits, then this handler, which hands each
 * stream's frames to a {@link ClientStream} of its own: each stream is one {@link Exchange}, with the routing,
 * retries, dead marks, forwarded headers, limits, timeouts, metrics and access-log line of any request. Streams
 * get no channel (Netty's multiplexer would register a child channel with a pipeline for each).
 *
 * <p>Backpressure is HTTP/2's own: a stream's DATA is given back to the client's window only as fast as its
 * exchange forwards it, and writes complete only when flow control lets the frame out. This handler also watches
 * the connection itself: it closes it when idle, keeps one timer for all its streams' deadlines, and ends floods
 * of control frames (PING, SETTINGS) with GOAWAY {@code ENHANCE_YOUR_CALM}; Netty's codec ends rapid resets
 * (CVE-2023-44487), control frames queued for a peer that does not read, empty DATA floods and header lists
 * over the limit.
 *
 * <p>Over 250 lines: the codec's settings, and what its streams share (their addresses, the window they give
 * back, the one timer), which are a connection's and not a stream's.
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
    private final String scheme;
    private final IntObjectMap<ClientStream> streams = new IntObjectHashMap<>();
    /** Client stream ids only grow: a HEADERS frame with a higher one opens a stream, any other is a late frame. */
    private int lastStreamId;
    private ChannelHandlerContext ctx;
    private Deadline idle;
    /** Due at the earliest of the streams' deadlines. */
    private Deadline streamTimers;
    private String clientIp;
    private String localPort;
    private InetAddress clientAddress;
    private int controlFrames;
    private long controlWindowStart;

    /** Goes after a server's frame codec ({@link #install}); alone in tests, which play the codec. */
    Http2Connection(ProxyContext shared, String scheme) {
        this.shared = shared;
        this.scheme = scheme;
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
        // Each stream's answer is flushed when its backend's read is done; the streams of one connection are
        // answered in the same turn of the event loop, so their flushes become one (one TLS record, one write)
        // at the end of it: about +20 % requests per second with h2load's 8 streams per connection.
        pipeline.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                codec, new Http2Connection(shared, scheme));
        // Room in the connection's window for every stream's window, as nginx does: a stream whose upload waits
        // on a slow backend (its data unread, its window full) holds up no other stream. What a client may have
        // buffered here stays bounded by the stream windows: 100 streams of 64 KiB.
        pipeline.channel().writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                MAX_CONCURRENT_STREAMS * Http2CodecUtil.DEFAULT_WINDOW_SIZE));
        // The connection reads on (setting it reads at once): what it may take is bounded by the windows and
        // limits it announced, and each stream takes data only as fast as its exchange forwards.
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
        this.ctx = ctx;
        idle = new Deadline(ctx.executor(), this::idleTimedOut);
        streamTimers = new Deadline(ctx.executor(), this::streamTimersDue);
        clientIp = ClientConnection.clientIpOf(ctx.channel());
        localPort = ClientConnection.localPortOf(ctx.channel());
        clientAddress = ClientConnection.addressOf(ctx.channel());
        armIdle();
    }

    /** Every frame the codec passes on: the connection is not idle. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        armIdle();
        if (msg instanceof Http2HeadersFrame || msg instanceof Http2DataFrame) {
            streamFrame((Http2StreamFrame) msg);
        } else if (msg instanceof Http2ResetFrame reset) {
            ClientStream stream = streams.get(reset.stream().id());
            if (stream != null) {
                stream.resetByClient();
            }
        } else if ((msg instanceof Http2PingFrame || msg instanceof Http2SettingsFrame) && flooding()) {
            ReferenceCountUtil.release(msg);
            log.debug("client {} sent over {} PING/SETTINGS frames in 10 s: GOAWAY", ctx.channel().remoteAddress(),
                    MAX_CONTROL_FRAMES);
            shared.metrics.clientError();
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM)).addListener(ChannelFutureListener.CLOSE);
        } else {
            // The codec has acted on the rest already: SETTINGS and PING answered, GOAWAY's streams closed,
            // windows and priorities applied.
            ReferenceCountUtil.release(msg);
        }
    }

    private void streamFrame(Http2StreamFrame frame) {
        int id = frame.stream().id();
        ClientStream stream = streams.get(id);
        if (stream == null) {
            if (!(frame instanceof Http2HeadersFrame) || id <= lastStreamId) {
                ReferenceCountUtil.release(frame); // what a client sent on a stream this side has ended
                return;
            }
            lastStreamId = id;
            stream = new ClientStream(this, ctx, frame.stream());
            streams.put(id, stream);
        }
        try {
            stream.read(frame);
        } catch (RuntimeException fault) {
            failed(stream, fault);
        }
    }

    /** A fault in one stream's exchange (a bug) ends that stream, not the connection and its other streams. */
    private void failed(ClientStream stream, RuntimeException fault) {
        log.warn("HTTP/2 stream {} of {} failed", stream.id(), ctx.channel().remoteAddress(), fault);
        shared.metrics.clientError();
        stream.close();
    }

    private boolean flooding() {
        long now = System.nanoTime();
        if (now - controlWindowStart > CONTROL_WINDOW_NANOS) {
            controlWindowStart = now;
            controlFrames = 0;
        }
        return ++controlFrames > MAX_CONTROL_FRAMES;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2FrameStreamEvent event) {
            if (event.type() == Http2FrameStreamEvent.Type.State && event.stream().state() == Http2Stream.State.CLOSED) {
                ClientStream stream = streams.get(event.stream().id());
                if (stream != null) {
                    stream.closed();
                }
            }
            return; // writability: each exchange waits on its own writes instead
        }
        ctx.fireUserEventTriggered(evt);
    }

    // ---- What the streams use ----

    /** A stream took {@code bytes} of DATA: the client may send as much again (WINDOW_UPDATE, when the codec says). */
    void consumed(Http2FrameStream stream, int bytes) {
        if (bytes > 0) {
            ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream));
            ctx.flush();
        }
    }

    /**
     * A stream's deadline {@code nanos} from now, on the connection's timer clock: one scheduled check for all
     * the streams, due at the earliest of their deadlines (a scheduled task per stream costs a queue insertion
     * and removal per request).
     */
    long deadlineIn(long nanos) {
        streamTimers.armBy(nanos);
        return streamTimers.now() + nanos;
    }

    private void streamTimersDue() {
        long now = streamTimers.now();
        long next = 0;
        for (ClientStream stream : streams.values().toArray(new ClientStream[0])) { // a timeout may end its stream
            long due;
            try {
                due = stream.expire(now);
            } catch (RuntimeException fault) {
                failed(stream, fault);
                continue;
            }
            if (due != 0 && (next == 0 || due - next < 0)) {
                next = due;
            }
        }
        if (next != 0) {
            streamTimers.armBy(next - now);
        }
    }

    void forget(ClientStream stream) {
        streams.remove(stream.id());
    }

    ProxyContext shared() {
        return shared;
    }

    String scheme() {
        return scheme;
    }

    String clientIp() {
        return clientIp;
    }

    String localPort() {
        return localPort;
    }

    InetAddress clientAddress() {
        return clientAddress;
    }

    // ---- The connection's own end ----

    /** No frame for the client timeout: closed (GOAWAY first) unless a stream is under way (it has its own timers). */
    private void armIdle() {
        idle.arm(shared.clients.timeout().toNanos());
    }

    private void idleTimedOut() {
        if (!streams.isEmpty()) {
            armIdle();
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idle.cancel();
        streamTimers.cancel();
        for (ClientStream stream : streams.values().toArray(new ClientStream[0])) {
            stream.end();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        shared.metrics.clientError();
        if (!(cause instanceof Http2Exception) && !(cause instanceof Http2FrameStreamException)) {
            ctx.close();
        } // else the codec, which told us first, answers it: RST_STREAM or GOAWAY with the error's own code
    }
}

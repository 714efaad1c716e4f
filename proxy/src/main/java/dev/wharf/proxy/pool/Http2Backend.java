package dev.wharf.proxy.pool;

import dev.wharf.route.BackendUrl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection, with prior knowledge, to an h2c backend (gRPC servers), shared by the exchanges of one
 * event loop: each exchange leases a stream of its own, whose pipeline gives and takes the HttpObjects of an
 * HTTP/1.1 connection, so an exchange does not know which it has. Streams are opened once the TCP connection
 * is up (the preface goes first); exchanges that asked meanwhile wait for it, and share its failure.
 *
 * <p>Nothing is pooled per stream: a stream ends with its exchange (closing one still open resets it). The
 * connection stops taking streams when the backend says GOAWAY or its stream limit is reached, and closes
 * after {@link Http2Pool}'s idle time without one.
 */
final class Http2Backend {

    private static final Logger log = LoggerFactory.getLogger(Http2Backend.class);

    /** As much as a response head from an HTTP/1.1 backend may carry. */
    private static final int MAX_HEADER_LIST_SIZE = 64 * 1024;
    /** Streams per connection, whatever more the backend allows: as many as a client connection may have. */
    private static final int MAX_STREAMS = 100;
    /**
     * The connection's receive window: room for every stream's whole window and one more, so that streams whose
     * clients stopped reading (their data unread here, their window full) never hold up the other streams.
     */
    private static final int CONNECTION_WINDOW = (MAX_STREAMS + 1) * Http2CodecUtil.DEFAULT_WINDOW_SIZE;

    /** The backend may not open streams (server push is off in our SETTINGS); should one come, it is refused. */
    @ChannelHandler.Sharable
    private static final class NoPush extends ChannelInboundHandlerAdapter {
        static final NoPush INSTANCE = new NoPush();

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    private final BackendUrl backend;
    private final EventLoop loop;
    private final ChannelFuture connected;
    private final Http2FrameCodec codec;
    private final Http2StreamChannelBootstrap streams;
    private int leased;
    private boolean servedBefore;
    private boolean goingAway;
    private long idleSince = System.nanoTime();

    Http2Backend(Bootstrap bootstrap, BackendUrl backend) {
        this.backend = backend;
        this.codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(MAX_HEADER_LIST_SIZE))
                .encoderEnforceMaxConcurrentStreams(true)
                .validateHeaders(true)
                .build();
        this.connected = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(codec, new Http2MultiplexHandler(NoPush.INSTANCE), new Watch());
            }
        }).connect(backend.host(), backend.port());
        Channel channel = connected.channel();
        connected.addListener(done -> {
            if (done.isSuccess()) { // after the preface: a connection window is widened by a WINDOW_UPDATE on stream 0
                channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
            }
        });
        this.loop = channel.eventLoop();
        this.streams = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new StreamHandler());
                    }
                });
    }

    /** The connection's end, for the pool to forget it. */
    ChannelFuture closeFuture() {
        return connected.channel().closeFuture();
    }

    /** True while a new stream may go on this connection: connecting or open, not going away, under the limit. */
    boolean accepting() {
        if (goingAway || (connected.isDone() && !connected.channel().isActive())) {
            return false;
        }
        // the backend's SETTINGS_MAX_CONCURRENT_STREAMS, unlimited until its SETTINGS came
        return leased < Math.min(MAX_STREAMS, codec.connection().local().maxActiveStreams());
    }

    /** True when no exchange has used the connection for {@code nanos}. */
    boolean idleFor(long nanos, long now) {
        return leased == 0 && now - idleSince >= nanos;
    }

    void close() {
        connected.channel().close();
    }

    /** A stream for one exchange; fails with the connect error, or when the stream cannot be opened. */
    Future<BackendLease> lease() {
        leased++;
        Promise<BackendLease> promise = loop.newPromise();
        if (connected.isDone()) {
            open(promise);
        } else {
            connected.addListener(done -> open(promise));
        }
        return promise;
    }

    private void open(Promise<BackendLease> promise) {
        if (!connected.isSuccess()) {
            ended();
            promise.tryFailure(connected.cause());
            return;
        }
        boolean reused = servedBefore;
        servedBefore = true;
        streams.open().addListener((Future<Http2StreamChannel> opened) -> {
            if (!opened.isSuccess()) {
                ended();
                promise.tryFailure(opened.cause());
                return;
            }
            Http2StreamChannel stream = opened.getNow();
            StreamHandler handler = stream.pipeline().get(StreamHandler.class);
            if (!promise.trySuccess(new StreamLease(stream, handler, reused))) {
                ended();
                stream.close();
            }
        });
    }

    private void ended() {
        if (--leased == 0) {
            idleSince = System.nanoTime();
        }
    }

    /** After the multiplexer: sees what concerns the connection, not a stream. */
    private final class Watch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                goingAway = true; // streams under way finish; new ones go on a new connection
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP/2 connection to backend {} failed: {}", backend, cause.toString());
            ctx.close();
        }
    }

    /** One exchange's stream: its end is the stream's end. */
    private final class StreamLease implements BackendLease {
        private final Http2StreamChannel stream;
        private final StreamHandler handler;
        private final boolean reused;
        private boolean over;

        StreamLease(Http2StreamChannel stream, StreamHandler handler, boolean reused) {
            this.stream = stream;
            this.handler = handler;
            this.reused = reused;
        }

        @Override
        public Channel channel() {
            return stream;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public void attach(BackendListener listener) {
            handler.attach(listener);
        }

        @Override
        public void release(boolean reusable) {
            if (over) {
                return;
            }
            over = true;
            handler.detach();
            stream.close(); // nothing if the stream ended both ways; else RST_STREAM, so the backend stops
            ended();
        }

        @Override
        public Channel upgrade(ChannelHandler relay) {
            // StreamHandler never lets a 101 through: HTTP/2 has no protocol switch
            throw new IllegalStateException("an HTTP/2 stream to " + backend + " cannot switch protocols");
        }
    }
}

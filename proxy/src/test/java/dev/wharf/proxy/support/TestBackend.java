package dev.wharf.proxy.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on 127.0.0.1 for proxy tests, with backpressure of its own (autoRead off), so that
 * streaming tests measure the proxy and not a test buffer. Paths:
 * <ul>
 *   <li>{@code /} — its name</li>
 *   <li>{@code /headers} — the request line and headers it received, one per line</li>
 *   <li>{@code /echo} — the request body, streamed back chunked</li>
 *   <li>{@code /count} — reads the body and answers its size</li>
 *   <li>{@code /bytes?n=N} — N bytes, streamed chunked</li>
 *   <li>{@code /trailers} — chunked body with a trailer {@code x-checksum: 42}</li>
 *   <li>{@code /status?code=N} — an empty response with that status</li>
 *   <li>{@code /hang} — never answers</li>
 *   <li>{@code /slow?ms=N} — answers after N ms</li>
 *   <li>{@code /ws} — WebSocket echo (text frames, prefixed with the name)</li>
 *   <li>{@code /bare} — an empty 200 without a length (over h2c, its HEADERS end the stream)</li>
 * </ul>
 * {@link #startH2c} serves the same paths over HTTP/2 with prior knowledge, a stream per request (no WebSocket).
 */
public final class TestBackend implements AutoCloseable {

    private static final int CHUNK = 64 * 1024;

    private final String name;
    private final boolean h2c;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger completeBodies = new AtomicInteger();

    private TestBackend(String name, int port, boolean h2c) {
        this.name = name;
        this.h2c = h2c;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, h2c) // an h2c connection reads on; its streams do not
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        open.add(ch);
                        if (h2c) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                        @Override
                                        protected void initChannel(Http2StreamChannel stream) {
                                            stream.config().setAutoRead(false);
                                            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Router());
                                        }
                                    }));
                        } else {
                            ch.pipeline().addLast(new HttpServerCodec(), new Router());
                        }
                    }
                })
                .bind("127.0.0.1", port).syncUninterruptibly().channel();
    }

    public static TestBackend start(String name) {
        return new TestBackend(name, 0, false);
    }

    /** On a given port: a backend that comes back at the address of one that went. */
    public static TestBackend start(String name, int port) {
        return new TestBackend(name, port, false);
    }

    /** The same paths over HTTP/2 with prior knowledge: its URL is {@code h2c://}. */
    public static TestBackend startH2c(String name) {
        return new TestBackend(name, 0, true);
    }

    public static TestBackend startH2c(String name, int port) {
        return new TestBackend(name, port, true);
    }

    public String url() {
        return (h2c ? "h2c" : "http") + "://127.0.0.1:" + port();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String name() {
        return name;
    }

    /** TCP connections accepted so far (keep-alive reuse keeps this low). */
    public int connections() {
        return connections.get();
    }

    public int requests() {
        return requests.get();
    }

    /** Requests whose body (empty ones too) arrived whole: a truncated upload must never count here. */
    public int completeBodies() {
        return completeBodies.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        open.close().syncUninterruptibly(); // as a process that exits: its connections end too
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Routes a request by path; streaming paths keep reading only as fast as they write. */
    private final class Router extends ChannelInboundHandlerAdapter {
        private String path = "";
        private long counted;
        private boolean echoing;
        private boolean stalled;
        private int echoWrites;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                requests.incrementAndGet();
                QueryStringDecoder query = new QueryStringDecoder(request.uri());
                path = query.path();
                counted = 0;
                echoing = false;
                if (path.equals("/ws")) {
                    ctx.pipeline().addLast(new HttpObjectAggregator(1024),
                            new WebSocketServerProtocolHandler("/ws"), new WebSocketEcho());
                    ctx.pipeline().remove(this);
                    ctx.channel().config().setAutoRead(true);
                    ctx.fireChannelRead(msg);
                    return;
                }
                if (HttpUtil.is100ContinueExpected(request)) {
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
                }
                onHead(ctx, request, query);
            }
            if (msg instanceof HttpContent content) {
                onContent(ctx, content);
            }
        }

        private void onHead(ChannelHandlerContext ctx, HttpRequest request, QueryStringDecoder query) {
            switch (path) {
                case "/echo" -> {
                    echoing = true;
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(head, true);
                    ctx.writeAndFlush(head);
                }
                case "/headers" -> {
                    StringBuilder text = new StringBuilder(request.method() + " " + request.uri() + " " + request.protocolVersion() + "\n");
                    Map<String, String> sorted = new TreeMap<>();
                    request.headers().forEach(h -> sorted.merge(h.getKey().toLowerCase(), h.getValue(), (a, b) -> a + ", " + b));
                    sorted.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
                    pendingReply = text(HttpResponseStatus.OK, text.toString());
                }
                case "/bytes" -> streamBytes(ctx, Long.parseLong(param(query, "n", "0")));
                case "/trailers" -> {
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(head, true);
                    head.headers().set(HttpHeaderNames.TRAILER, "x-checksum");
                    ctx.write(head);
                    ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("part1,", StandardCharsets.UTF_8)));
                    LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("part2", StandardCharsets.UTF_8));
                    last.trailingHeaders().set("x-checksum", "42");
                    ctx.writeAndFlush(last);
                }
                case "/status" -> pendingReply = empty(HttpResponseStatus.valueOf(Integer.parseInt(param(query, "code", "200"))));
                case "/hang" -> pendingReply = null;
                case "/stall" -> { // takes the head, then reads nothing more: a body's sender is held up
                    stalled = true;
                    pendingReply = null;
                }
                case "/slow" -> {
                    long ms = Long.parseLong(param(query, "ms", "100"));
                    ctx.executor().schedule(() -> ctx.writeAndFlush(text(HttpResponseStatus.OK, "slow " + name)), ms, TimeUnit.MILLISECONDS);
                }
                case "/count" -> pendingReply = null;
                case "/bare" -> pendingReply = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                default -> pendingReply = text(HttpResponseStatus.OK, name);
            }
        }

        private FullHttpResponse pendingReply;

        private void onContent(ChannelHandlerContext ctx, HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            counted += content.content().readableBytes();
            if (echoing) {
                Object chunk = last ? new DefaultLastHttpContent(content.content().retain()) : new DefaultHttpContent(content.content().retain());
                content.release();
                echoWrites++;
                ctx.writeAndFlush(chunk).addListener(f -> {
                    echoWrites--;
                    ctx.read();
                });
                return;
            }
            content.release();
            if (!last) {
                return;
            }
            if (content.decoderResult().isSuccess()) {
                completeBodies.incrementAndGet();
            }
            if (path.equals("/count")) {
                pendingReply = text(HttpResponseStatus.OK, Long.toString(counted));
            }
            if (pendingReply != null) {
                ctx.writeAndFlush(pendingReply);
                pendingReply = null;
            }
        }

        /** Reads on after each batch, except while an echo write is under way (that write's end reads). */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (echoWrites == 0 && !stalled) {
                ctx.read();
            }
        }

        private void streamBytes(ChannelHandlerContext ctx, long total) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.writeAndFlush(head);
            writeChunk(ctx, total);
        }

        private void writeChunk(ChannelHandlerContext ctx, long remaining) {
            if (remaining <= 0) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            int size = (int) Math.min(CHUNK, remaining);
            ByteBuf bytes = ctx.alloc().buffer(size);
            bytes.writeZero(size);
            ctx.writeAndFlush(new DefaultHttpContent(bytes)).addListener(f -> {
                if (f.isSuccess()) {
                    writeChunk(ctx, remaining - size);
                }
            });
        }

        private String param(QueryStringDecoder query, String key, String fallback) {
            var values = query.parameters().get(key);
            return values == null || values.isEmpty() ? fallback : values.get(0);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    private static FullHttpResponse empty(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        if (status.code() != 204 && status.code() != 304) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        return response;
    }

    private final class WebSocketEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame frame) {
                String text = frame.text();
                frame.release();
                ctx.writeAndFlush(new TextWebSocketFrame(name + ": " + text));
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}

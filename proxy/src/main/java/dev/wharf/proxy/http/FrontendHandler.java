package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendHandler;
import dev.wharf.proxy.pool.BackendListener;
import dev.wharf.proxy.pool.BackendPool;
import dev.wharf.proxy.pool.PoolBusyException;
import dev.wharf.proxy.route.ResolvedRoute;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: reads requests, finds their backend, streams both ways, answers errors.
 *
 * <p>Backpressure: the client channel has autoRead off. What it reads goes to {@link #inbox}, which is
 * drained only as fast as the backend accepts it (the next read is asked for after a write succeeded);
 * the backend channel is read only after the client accepted what it sent. Neither side's data piles up.
 * <pre>
 *   client ──read──▶ inbox ──write──▶ backend      (read again when the write succeeded)
 *   client ◀──write── backend ◀──read──            (read again when the write succeeded)
 * </pre>
 * A backend connection comes from the pool of this connection's event loop, so both channels, this
 * handler and the pool run on one thread: no field here needs to be volatile.
 *
 * <p>Nothing is read from the client's body before a backend has accepted the connection, so a connect
 * failure is retried on another backend whatever the request; no request is left without an answer: every
 * path ends in a response, a close, or both.
 */
public final class FrontendHandler extends ChannelInboundHandlerAdapter implements BackendListener {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private static final String PING_HOST = "__ping__";

    private enum State { AWAITING_HEAD, ROUTING, SENDING_BODY, BODY_SENT, DISCARDING, UPGRADED, CLOSED }

    private final ProxyContext shared;
    private final String scheme;
    private ChannelHandlerContext ctx;
    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    private State state = State.AWAITING_HEAD;
    private boolean bytesSinceHead;
    private Deadline readTimer;
    private Deadline responseTimer;

    // The current exchange.
    private HttpRequest request;
    private String host;
    private String clientIp;
    private int localPort;
    private boolean keepAlive;
    private boolean hasBody;
    private boolean upgrade;
    private long startNanos;
    private ResolvedRoute route;
    private final Set<Integer> tried = new HashSet<>();
    private int retriesLeft;
    private BackendPool pool;
    private BackendUrl backendUrl;
    private int backendIndex;
    private Channel backend;
    private boolean reusedConnection;
    private boolean writingToBackend;
    private long bodyBytesSent;
    private boolean requestSent;
    private boolean interim;
    private boolean responseStarted;
    private boolean responseEnded;
    private boolean backendKeepAlive;
    private ChannelFuture lastClientWrite;
    private int status;
    private long responseBytes;
    private boolean logged;
    /** Bytes a backend sent right after its 101, held until the HTTP codecs are out of the way. */
    private ArrayDeque<ByteBuf> beforeRelay;

    public FrontendHandler(ProxyContext shared, String scheme) {
        this.shared = shared;
        this.scheme = scheme;
    }

    /** Goes before the HTTP codec: notes that bytes arrived, so a timeout in the middle of a head gets 408. */
    ChannelInboundHandlerAdapter byteWatcher() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext byteCtx, Object msg) {
                bytesSinceHead = true;
                byteCtx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        readTimer = new Deadline(ctx.executor(), this::readTimedOut);
        responseTimer = new Deadline(ctx.executor(), this::responseTimedOut);
        clientIp = ctx.channel().remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress().getHostAddress() : "-";
        localPort = ctx.channel().localAddress() instanceof InetSocketAddress local ? local.getPort() : 0;
        read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        cancel(readTimer);
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inbox.add(msg);
        drain();
    }

    private void read() {
        if (state != State.UPGRADED) {
            readTimer.arm(shared.settings.clientTimeout().toNanos());
        }
        ctx.read();
    }

    /** Consumes what the current state can take; asks for more input only when it can take more. */
    private void drain() {
        while (!inbox.isEmpty()) {
            switch (state) {
                case AWAITING_HEAD -> {
                    Object msg = inbox.poll();
                    if (msg instanceof HttpRequest head) {
                        onRequest(head);
                    } else {
                        ReferenceCountUtil.release(msg);
                    }
                }
                case DISCARDING -> {
                    Object msg = inbox.poll();
                    ReferenceCountUtil.release(msg);
                    if (failedBody(msg)) {
                        closeAll(); // the framing is lost: nothing after it on this connection can be trusted
                        return;
                    }
                    if (msg instanceof LastHttpContent) {
                        exchangeDone();
                    }
                }
                case SENDING_BODY, UPGRADED -> {
                    if (writingToBackend) {
                        return;
                    }
                    Object msg = inbox.poll();
                    if (failedBody(msg)) {
                        bodyFailed((HttpContent) msg);
                        return;
                    }
                    sendToBackend(msg);
                }
                default -> {
                    return; // ROUTING, BODY_SENT, CLOSED: hold it (a pipelined request waits for its turn)
                }
            }
        }
        boolean wantsInput = state == State.AWAITING_HEAD || state == State.DISCARDING
                || ((state == State.SENDING_BODY || state == State.UPGRADED) && !writingToBackend);
        if (wantsInput) {
            read();
        }
    }

    // ---- A request arrives ----

    private void onRequest(HttpRequest head) {
        startExchange(head);
        if (head.decoderResult().isFailure()) {
            respond(statusFor(head.decoderResult().cause()), "bad request (" + whyUndecodable(head) + ")", true);
            return;
        }
        try {
            RequestRules.check(head, shared.settings.underscoresInHeaders());
        } catch (RequestRules.Refusal refused) {
            respond(refused.status(), refused.getMessage(), true);
            return;
        }
        String transferEncoding = head.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
        if (transferEncoding != null && !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(transferEncoding.trim())) {
            respond(HttpResponseStatus.NOT_IMPLEMENTED, "transfer coding '" + transferEncoding + "' not supported", true);
            return;
        }
        String hostHeader = head.headers().get(HttpHeaderNames.HOST);
        if (hostHeader == null) {
            respond(HttpResponseStatus.BAD_REQUEST, "no Host header", true); // every 400 closes, as nginx does
            return;
        }
        try {
            host = Hosts.requestHost(hostHeader);
        } catch (InvalidRouteException e) {
            respond(HttpResponseStatus.BAD_REQUEST, RequestRules.printable(e.getMessage()), true);
            return;
        }
        if (host.equals(PING_HOST)) {
            respond(HttpResponseStatus.OK, null, false);
            return;
        }
        if (shared.settings.redirectHttps() && scheme.equals("http")) {
            respond(Responses.redirect(ctx.alloc(), "https://" + host + head.uri(), closeAfterLocalAnswer(false)));
            return;
        }
        upgrade = head.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && head.headers().contains(HttpHeaderNames.UPGRADE);
        ForwardedHeaders.forRequest(head.headers(), clientIp, scheme, localPort,
                shared.settings.trustForwarded(), upgrade);
        head.setProtocolVersion(HttpVersion.HTTP_1_1);
        state = State.ROUTING;
        CompletableFuture<ResolvedRoute> lookup = shared.routes.resolve(host);
        shared.metrics.cacheLookup(lookup.isDone());
        if (lookup.isDone() && !lookup.isCompletedExceptionally()) {
            routed(lookup.join(), null);
        } else {
            lookup.whenCompleteAsync(this::routed, ctx.executor());
        }
    }

    private void startExchange(HttpRequest head) {
        bytesSinceHead = false;
        request = head;
        startNanos = System.nanoTime();
        keepAlive = HttpUtil.isKeepAlive(head) && !shared.draining();
        // A head that failed to decode may carry any Content-Length: it is answered and closed, body or not.
        hasBody = head.decoderResult().isFailure()
                || HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
        host = null;
        upgrade = false;
        route = null;
        tried.clear();
        retriesLeft = shared.settings.retryOnError();
        backendUrl = null;
        bodyBytesSent = 0;
        requestSent = false;
        interim = false;
        responseStarted = false;
        responseEnded = false;
        lastClientWrite = null;
        status = 0;
        responseBytes = 0;
        logged = false;
    }

    private static HttpResponseStatus statusFor(Throwable cause) {
        if (cause instanceof RequestRules.Refusal refused) {
            return refused.status();
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    private void routed(ResolvedRoute resolved, Throwable error) {
        if (state != State.ROUTING) {
            return;
        }
        if (error != null) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "route store unavailable, cannot look up " + host, false);
        } else if (resolved.frontend().isEmpty()) {
            respond(HttpResponseStatus.NOT_FOUND, "no route for host " + host, false);
        } else {
            route = resolved;
            connectNext();
        }
    }

    // ---- Finding a backend ----

    private void connectNext() {
        int index = shared.chooser.choose(route, tried);
        if (index < 0) {
            respond(HttpResponseStatus.BAD_GATEWAY, "no live backend for host " + host, false);
            return;
        }
        tried.add(index);
        backendIndex = index;
        backendUrl = route.backends().get(index);
        acquire();
    }

    private void acquire() {
        pool = shared.pools.forLoop(ctx.channel().eventLoop());
        pool.acquire(backendUrl).addListener((Future<Channel> f) -> {
            if (f.isSuccess()) {
                connected(f.getNow());
            } else {
                connectFailed(f.cause());
            }
        });
    }

    private void connectFailed(Throwable cause) {
        if (state != State.ROUTING) {
            return;
        }
        if (cause instanceof PoolBusyException) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, cause.getMessage(), false);
            return;
        }
        shared.metrics.connectFailure();
        shared.dead.mark(route, backendIndex, "cannot connect: " + cause.getMessage());
        if (retriesLeft-- > 0) {
            connectNext();
        } else if (cause instanceof ConnectTimeoutException) {
            respond(HttpResponseStatus.GATEWAY_TIMEOUT, "backend " + backendUrl + " did not accept the connection in time", false);
        } else {
            respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backendUrl + " unreachable", false);
        }
    }

    private void connected(Channel channel) {
        if (state != State.ROUTING) {
            pool.release(backendUrl, channel, true);
            return;
        }
        backend = channel;
        reusedConnection = channel.pipeline().get(BackendHandler.class).attach(this);
        state = requestSent ? State.BODY_SENT : State.SENDING_BODY;
        backend.write(request);
        if (requestSent) {
            // Retrying on a fresh connection a bodyless request whose end was already consumed.
            backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        armResponseTimer();
        backend.read();
        drain();
        if (!writingToBackend && backend != null) {
            // Nothing of the body was at hand to go out with the head (whose flush it would have carried);
            // a body that failed to decode has already closed the backend (backend == null).
            backend.flush();
        }
    }

    // ---- Client to backend ----

    /** The decoder's reason, safe to put in a response and a log line. */
    private static String whyUndecodable(HttpObject object) {
        return RequestRules.printable(String.valueOf(object.decoderResult().cause().getMessage()));
    }

    private static boolean failedBody(Object msg) {
        return msg instanceof HttpContent content && content.decoderResult().isFailure();
    }

    /**
     * The client's body could not be decoded (a bad chunk size, say): the backend has part of it and must not
     * take it as whole, so its connection is closed unfinished; the client gets 400 and is closed too.
     */
    private void bodyFailed(HttpContent failed) {
        String reason = whyUndecodable(failed);
        failed.release();
        keepAlive = false;
        releaseBackend(false);
        if (responseStarted) {
            closeAll();
        } else {
            respond(HttpResponseStatus.BAD_REQUEST, "malformed request body (" + reason + ")", true);
        }
    }

    private void sendToBackend(Object msg) {
        if (state == State.UPGRADED) {
            if (!(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            writingToBackend = true;
            backend.writeAndFlush(msg).addListener(this::backendWritten);
            return;
        }
        HttpContent content = (HttpContent) msg;
        boolean last = content instanceof LastHttpContent;
        bodyBytesSent += content.content().readableBytes();
        writingToBackend = true;
        if (last) {
            state = State.BODY_SENT;
        }
        backend.writeAndFlush(content).addListener((ChannelFuture f) -> {
            backendWritten(f);
            if (f.isSuccess() && last) {
                requestSent = true;
                if (responseEnded) {
                    exchangeDone();
                }
            }
        });
    }

    private void backendWritten(Future<? super Void> f) {
        writingToBackend = false;
        if (!f.isSuccess()) {
            // backendClosed() answers the client when the backend channel goes.
            if (backend != null) {
                backend.close();
            }
            return;
        }
        if (state == State.SENDING_BODY) {
            armResponseTimer();
        }
        drain();
    }

    // ---- Backend to client ----

    @Override
    public void backendRead(Object msg) {
        if (state == State.UPGRADED) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
            } else if (beforeRelay != null) {
                beforeRelay.add(bytes);
            } else {
                ctx.writeAndFlush(bytes).addListener(this::clientWrittenReadBackend);
            }
            return;
        }
        if (state == State.CLOSED || backend == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            backendMalformed(object);
            return;
        }
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (msg instanceof HttpContent content) {
            onResponseContent(content);
        }
    }

    /** Nothing of a response that cannot be decoded is relayed: 502 if the client has had nothing yet, else a close. */
    private void backendMalformed(HttpObject object) {
        String reason = whyUndecodable(object);
        ReferenceCountUtil.release(object);
        cancel(responseTimer);
        releaseBackend(false);
        if (responseStarted || interim) {
            closeAll();
        } else {
            respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backendUrl + " sent a malformed response (" + reason + ")", !requestSent);
        }
    }

    private void onResponseHead(HttpResponse response) {
        cancel(responseTimer);
        int code = response.status().code();
        if (code == 101 && upgrade) {
            switchProtocols(response);
            return;
        }
        if (code >= 100 && code < 200) {
            // Interim (100 Continue): relay it, drop the empty end Netty adds, keep waiting for the final one.
            interim = true;
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status()));
            return;
        }
        responseStarted = true;
        status = code;
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        ForwardedHeaders.removeHopByHop(response.headers());
        if (!keepAlive || shared.draining()) {
            keepAlive = false;
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (code >= 500 && shared.settings.deadBackendOn500()) {
            shared.dead.mark(route, backendIndex, "answered " + code);
        }
        lastClientWrite = ctx.write(response);
    }

    private void onResponseContent(HttpContent content) {
        if (interim) {
            interim = !(content instanceof LastHttpContent);
            content.release();
            return;
        }
        if (!responseStarted) {
            content.release();
            return;
        }
        responseBytes += content.content().readableBytes();
        lastClientWrite = ctx.write(content);
        if (content instanceof LastHttpContent) {
            responseEnded = true;
            lastClientWrite.addListener(this::responseWritten);
        }
    }

    @Override
    public void backendReadComplete() {
        if (state == State.UPGRADED || state == State.CLOSED) {
            return;
        }
        ctx.flush();
        if (responseEnded) {
            return;
        }
        if (lastClientWrite == null || lastClientWrite.isDone()) {
            readBackendIfOk(lastClientWrite);
        } else {
            lastClientWrite.addListener(this::readBackendIfOk);
        }
    }

    private void readBackendIfOk(Future<? super Void> written) {
        if (written != null && !written.isSuccess()) {
            closeAll();
        } else if (backend != null && !responseEnded) {
            backend.read();
        }
    }

    private void clientWrittenReadBackend(Future<? super Void> written) {
        if (!written.isSuccess()) {
            closeAll();
        } else if (backend != null) {
            backend.read();
        }
    }

    private void responseWritten(Future<? super Void> written) {
        if (!written.isSuccess()) {
            closeAll();
            return;
        }
        if (requestSent) {
            exchangeDone();
        } else {
            // The backend answered before the whole body arrived: neither connection can be reused.
            keepAlive = false;
            exchangeDone();
        }
    }

    private void switchProtocols(HttpResponse response) {
        state = State.UPGRADED;
        status = 101;
        cancel(readTimer);
        beforeRelay = new ArrayDeque<>();
        ctx.writeAndFlush(response).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || backend == null) {
                closeAll();
                return;
            }
            logAccess();
            // From here on both sides speak the new protocol: bytes are relayed as they are.
            backend.pipeline().remove(HttpClientCodec.class);
            ctx.pipeline().remove(HttpServerCodec.class);
            ArrayDeque<ByteBuf> held = beforeRelay;
            beforeRelay = null;
            for (ByteBuf bytes : held) {
                ctx.write(bytes);
            }
            ctx.flush();
            ctx.read();
            backend.read();
        });
    }

    @Override
    public void backendClosed(Throwable cause) {
        Channel gone = backend;
        backend = null;
        if (gone == null || state == State.CLOSED) {
            return;
        }
        cancel(responseTimer);
        if (state == State.UPGRADED || responseStarted) {
            // Mid-response or mid-relay: the client gets what was sent, then the connection closes.
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            state = State.CLOSED;
            return;
        }
        if (reusedConnection && bodyBytesSent == 0 && retriesLeft-- > 0) {
            // A kept-alive connection the backend had closed meanwhile; nothing of a body was sent: try a fresh one.
            state = State.ROUTING;
            acquire();
            return;
        }
        respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backendUrl + " closed the connection"
                + (cause == null ? "" : " (" + cause.getMessage() + ")"), !requestSent);
    }

    // ---- Timeouts ----

    private void armResponseTimer() {
        responseTimer.arm(shared.settings.backendTimeout().toNanos());
    }

    private void responseTimedOut() {
        if (backend == null || responseStarted || state == State.CLOSED) {
            return;
        }
        shared.dead.mark(route, backendIndex, "no response within " + shared.settings.backendTimeout().toSeconds() + " s");
        releaseBackend(false);
        respond(HttpResponseStatus.GATEWAY_TIMEOUT, "backend " + backendUrl + " did not answer in time", !requestSent);
    }

    private void readTimedOut() {
        switch (state) {
            case AWAITING_HEAD -> {
                if (bytesSinceHead) {
                    respond(HttpResponseStatus.REQUEST_TIMEOUT, "request head not received in time", true);
                } else {
                    ctx.close();
                }
            }
            case SENDING_BODY -> {
                releaseBackend(false);
                respond(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time", true);
            }
            case DISCARDING -> ctx.close();
            default -> {
                // Waiting on the backend, not the client: the response timer is in charge.
            }
        }
    }

    // ---- Ending an exchange ----

    /** Answers the current request from the proxy itself. */
    private void respond(HttpResponseStatus code, String detail, boolean close) {
        if (state == State.CLOSED) {
            return;
        }
        boolean closeAfter = closeAfterLocalAnswer(close);
        respond(detail == null
                ? Responses.text(ctx.alloc(), code, "ok\n", closeAfter)
                : Responses.error(ctx.alloc(), code, detail, closeAfter));
    }

    /** A body nobody will read cannot be skipped without reading it: close instead. */
    private boolean closeAfterLocalAnswer(boolean close) {
        return close || !keepAlive || (hasBody && state != State.BODY_SENT && !requestSent) || shared.draining();
    }

    private void respond(FullHttpResponse response) {
        if (state == State.CLOSED) {
            response.release();
            return;
        }
        boolean closeAfter = HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(response.headers().get(HttpHeaderNames.CONNECTION, ""));
        status = response.status().code();
        responseBytes = response.content().readableBytes();
        logAccess();
        ChannelFuture written = ctx.writeAndFlush(response);
        if (closeAfter) {
            state = State.CLOSED;
            releaseBackend(false);
            written.addListener(ChannelFutureListener.CLOSE);
        } else if (requestSent || state == State.BODY_SENT) {
            releaseBackend(false);
            exchangeDone();
        } else {
            state = State.DISCARDING;
            drain();
        }
    }

    private void exchangeDone() {
        cancel(responseTimer);
        logAccess();
        releaseBackend(shared.settings.backendKeepAlive() && backendKeepAlive && requestSent && responseEnded);
        if (!keepAlive || shared.draining()) {
            state = State.CLOSED;
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.AWAITING_HEAD;
        drain();
    }

    private void releaseBackend(boolean reusable) {
        Channel channel = backend;
        backend = null;
        writingToBackend = false;
        if (channel != null) {
            pool.release(backendUrl, channel, reusable);
        }
    }

    /** Once per exchange: metrics, and the access log line. */
    private void logAccess() {
        if (logged || request == null) {
            return;
        }
        logged = true;
        long nanos = System.nanoTime() - startNanos;
        shared.metrics.request(route == null ? "none" : route.frontend().map(f -> f.host()).orElse("none"), status, nanos);
        if (shared.accessLog.enabled()) {
            shared.accessLog.log(clientIp, request.method().name(), request.uri(), request.protocolVersion().text(),
                    status, responseBytes, request.headers().get(HttpHeaderNames.REFERER),
                    request.headers().get(HttpHeaderNames.USER_AGENT), host,
                    backendUrl == null ? null : backendUrl.toString(), nanos / 1000);
        }
    }

    private void closeAll() {
        state = State.CLOSED;
        releaseBackend(false);
        ctx.close();
    }

    private static void cancel(Deadline timer) {
        if (timer != null) {
            timer.disarm();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancel(readTimer);
        cancel(responseTimer);
        releaseBackend(false);
        Object msg;
        while ((msg = inbox.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
        if (beforeRelay != null) {
            beforeRelay.forEach(ReferenceCountUtil::release);
            beforeRelay = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        shared.metrics.clientError();
        ctx.close();
    }

    /** True while an exchange is in flight (used to drain connections on shutdown). */
    public boolean busy() {
        return state != State.AWAITING_HEAD || !inbox.isEmpty();
    }
}

package dev.wharf.proxy.http;

import dev.wharf.proxy.pool.BackendLease;
import dev.wharf.proxy.pool.BackendListener;
import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.pool.PoolBusyException;
import dev.wharf.proxy.route.HostRoutes;
import dev.wharf.proxy.route.ResolvedRoute;
import dev.wharf.route.RouteOptions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One request, from its head to the end of its answer: validation, routing with retries and dead marks, the
 * body upstream, the response downstream (100-continue included), local answers, the response timer, metrics
 * and the access-log line. A new object per request, so nothing is reset between requests; it is what the
 * backend connection reports to while the exchange holds its lease.
 *
 * <p>Over 250 lines because the request's life is one sequence (route, connect, send, relay the answer, end)
 * whose steps share its state; split, each part would reach into the others' fields. What a route's options
 * decide before a backend is chosen lives in {@link RouteAccess}; what stays here is what acts on the exchange's
 * own state: the sticky backend and its cookie, a chunked body over the limit, the route's timeout, and the
 * least-conn count while the lease is held.
 *
 * <p>Nothing is read from the client's body before a backend has accepted the connection, so a connect
 * failure is retried on another backend whatever the request. Every path ends in a response, a close, or both.
 */
final class Exchange implements BackendListener {

    private static final String PING_HOST = "__ping__";

    private enum State { ROUTING, SENDING_BODY, BODY_SENT, DISCARDING, SWITCHING, DONE }

    private final ClientSide client;
    private final ProxyContext shared;
    private final HttpRequest request;
    private final long startNanos = System.nanoTime();
    private final boolean hasBody;
    private boolean keepAlive;
    private final String protocol;
    private State state = State.ROUTING;
    private String host;
    private boolean upgrade;
    private HostRoutes hostRoutes;
    private ResolvedRoute route;
    /** X-Forwarded-For as the client sent it, kept only with --trust-forwarded (for allow-lists). */
    private String forwardedFor;
    /** The backend counted in {@code InFlight} while this exchange holds it (least-conn routes only). */
    private ResolvedRoute.Backend counted;
    /** The sticky cookie's value as the client sent it, or null. */
    private String stickyToken;
    private BitSet tried;
    private int retriesLeft;
    private ResolvedRoute.Backend backend;
    private BackendLease lease;
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
    /** Bytes the backend sent right after its 101, held until the relay takes over. */
    private ArrayDeque<ByteBuf> beforeRelay;

    Exchange(ClientSide client, HttpRequest request) {
        this.client = client;
        this.shared = client.shared();
        this.request = request;
        this.protocol = request.protocolVersion().text(); // the client's (HTTP/2.0 for a stream), before it is rewritten
        this.keepAlive = HttpUtil.isKeepAlive(request) && !shared.draining();
        // A head that failed to decode may carry any Content-Length: it is answered and closed, body or not.
        this.hasBody = request.decoderResult().isFailure()
                || HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        this.retriesLeft = shared.backendSettings.retryOnError();
    }

    // ---- The head ----

    void start() {
        if (request.decoderResult().isFailure()) {
            respond(RequestRules.statusForUndecodable(request.decoderResult().cause()),
                    "bad request (" + RequestRules.whyUndecodable(request) + ")", true);
            return;
        }
        try {
            RequestRules.check(request, shared.clients.underscoresInHeaders());
            host = RequestRules.routingHost(request);
        } catch (RequestRules.Refusal refused) {
            respond(refused.status(), refused.getMessage(), true); // every 400 closes, as nginx does
            return;
        }
        if (host.equals(PING_HOST)) {
            respond(HttpResponseStatus.OK, null, false);
            return;
        }
        String token = client.scheme().equals("http") ? AcmeChallenges.token(request) : null;
        if (token != null) {
            shared.challenges.answer(token).whenCompleteAsync(this::challengeLookedUp, client.eventLoop());
            return;
        }
        route();
    }

    /** An ACME CA's check: answered here when an order waits on the token, else routed like any request. */
    private void challengeLookedUp(Optional<String> keyAuthorization, Throwable error) {
        if (state != State.ROUTING) {
            return;
        }
        if (error == null && keyAuthorization.isPresent()) {
            respond(Responses.text(client.alloc(), HttpResponseStatus.OK, keyAuthorization.get(), closeAfterLocalAnswer(false)));
        } else {
            route();
        }
    }

    private void route() {
        if (shared.redirectHttps && client.scheme().equals("http")) {
            respond(Responses.redirect(client.alloc(), "https://" + host + request.uri(), closeAfterLocalAnswer(false)));
            return;
        }
        upgrade = request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        if (shared.clients.trustForwarded()) {
            forwardedFor = request.headers().get(ForwardedHeaders.X_FORWARDED_FOR);
        }
        ForwardedHeaders.forRequest(request.headers(), client.clientIp(), client.scheme(),
                client.localPort(), shared.clients.trustForwarded(), upgrade);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        CompletableFuture<HostRoutes> lookup = shared.routes.resolve(host);
        shared.metrics.cacheLookup(lookup.isDone());
        if (lookup.isDone() && !lookup.isCompletedExceptionally()) {
            routed(lookup.join(), null);
        } else {
            lookup.whenCompleteAsync(this::routed, client.eventLoop());
        }
    }

    private void routed(HostRoutes resolved, Throwable error) {
        if (state != State.ROUTING) {
            return;
        }
        if (error != null) {
            respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "route store unavailable, cannot look up " + host, false);
            return;
        }
        if (resolved.frontendHost() == null) {
            // The agents' reasons name a container and a state, never an address or a label's value.
            respond(HttpResponseStatus.NOT_FOUND, "no route for host " + host + why(resolved), false);
            return;
        }
        hostRoutes = resolved;
        RouteAccess.Decision decision = RouteAccess.admit(resolved, request, host, client.scheme(),
                client.clientAddress(), forwardedFor);
        route = decision.route();
        if (decision.answer() != null) {
            respond(decision.answer());
        } else if (!route.options().auth().isEmpty()) {
            CompletableFuture<BasicAuth.Verdict> verdict = shared.auth.check(route.options().auth(),
                    request.headers().get(HttpHeaderNames.AUTHORIZATION));
            if (verdict.isDone()) {
                authorized(verdict.join(), null);
            } else {
                verdict.whenCompleteAsync(this::authorized, client.eventLoop());
            }
        } else {
            forward();
        }
    }

    private void authorized(BasicAuth.Verdict verdict, Throwable error) {
        if (state != State.ROUTING) {
            return;
        }
        RouteAccess.Answer refused = RouteAccess.afterAuth(error != null ? BasicAuth.Verdict.BUSY : verdict, host);
        if (refused != null) {
            respond(refused);
        } else {
            forward();
        }
    }

    private void forward() {
        RouteAccess.rewriteForBackend(route, request);
        if (route.options().sticky() != null) {
            stickyToken = StickyCookie.read(request.headers(), route.options().sticky());
        }
        connectNext();
    }

    // ---- Finding a backend ----

    private void connectNext() {
        if (backend != null) {
            // Picking again: the set of tried backends is only made when a request needs a second one.
            tried = tried == null ? new BitSet() : tried;
            tried.set(backend.index());
        }
        ResolvedRoute.Backend next = backend == null ? stuckTo() : null;
        if (next == null) {
            next = route.pick(tried, shared.deadHere, shared.inFlightCount);
        }
        if (next == null) {
            respond(HttpResponseStatus.BAD_GATEWAY, "no live backend for host " + host + why(hostRoutes), false);
            return;
        }
        backend = next;
        acquire();
    }

    /** What the agents say about containers asking for this host without a route; a name and a state, no address. */
    private static String why(HostRoutes routes) {
        return routes.whyNot().isEmpty() ? "" : ": " + String.join("; ", routes.whyNot());
    }

    /** The live backend the sticky cookie names, or null (then the route picks, and the cookie is set anew). */
    private ResolvedRoute.Backend stuckTo() {
        if (stickyToken == null) {
            return null;
        }
        ResolvedRoute.Backend stuck = route.byToken(stickyToken);
        return stuck == null || stuck.markedDead() || shared.deadHere.test(stuck.url()) ? null : stuck;
    }

    private void acquire() {
        shared.backends.acquire(client.eventLoop(), backend.url()).addListener((Future<BackendLease> f) -> {
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
        shared.dead.mark(route, backend, "cannot connect: " + cause.getMessage());
        if (retriesLeft-- > 0) {
            connectNext();
        } else if (cause instanceof ConnectTimeoutException) {
            respond(HttpResponseStatus.GATEWAY_TIMEOUT, "backend " + backend.url() + " did not accept the connection in time", false);
        } else {
            respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backend.url() + " unreachable", false);
        }
    }

    private void connected(BackendLease acquired) {
        if (state != State.ROUTING) {
            acquired.release(true);
            return;
        }
        lease = acquired;
        lease.attach(this);
        if (route.options().lb() == RouteOptions.Balance.LEAST_CONN) {
            counted = backend;
            shared.inFlight.started(counted.url());
        }
        state = requestSent ? State.BODY_SENT : State.SENDING_BODY;
        lease.channel().write(request);
        if (requestSent) {
            // Retrying on a fresh connection a bodyless request whose end was already consumed.
            lease.channel().write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        client.armResponseTimer(responseTimeout());
        lease.channel().read();
        client.drain();
        if (!writingToBackend && lease != null) {
            // Nothing of the body was at hand to go out with the head (whose flush it would have carried);
            // a body that failed to decode has already let the backend go (lease == null).
            lease.channel().flush();
        }
    }

    // ---- Client to backend ----

    /** True while the exchange takes body messages from the client's inbox. */
    boolean takesBody() {
        return state == State.DISCARDING || (state == State.SENDING_BODY && !writingToBackend);
    }

    void body(HttpContent content) {
        if (state == State.DISCARDING) {
            boolean failed = content.decoderResult().isFailure();
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (failed) {
                closeAll(); // the framing is lost: nothing after it on this connection can be trusted
            } else if (last) {
                finish();
            }
            return;
        }
        if (content.decoderResult().isFailure()) {
            bodyFailed(content);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        bodyBytesSent += content.content().readableBytes();
        long maxBody = route.options().maxBody();
        if (maxBody >= 0 && bodyBytesSent > maxBody) {
            abandonBody(content, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body over the limit of " + maxBody + " bytes for " + host);
            return;
        }
        writingToBackend = true;
        if (last) {
            state = State.BODY_SENT;
        }
        lease.channel().writeAndFlush(content).addListener((ChannelFuture f) -> {
            writingToBackend = false;
            if (!f.isSuccess()) {
                f.channel().close(); // backendClosed() answers the client
                return;
            }
            if (last) {
                requestSent = true;
                if (responseEnded) {
                    finish();
                    return;
                }
            } else if (state == State.SENDING_BODY) {
                client.armResponseTimer(responseTimeout());
            }
            client.drain();
        });
    }

    /**
     * The client's body could not be decoded (a bad chunk size, say): the backend has part of it and must not
     * take it as whole, so its connection is closed unfinished; the client gets 400 and is closed too.
     */
    private void bodyFailed(HttpContent failed) {
        String reason = RequestRules.whyUndecodable(failed);
        abandonBody(failed, HttpResponseStatus.BAD_REQUEST, "malformed request body (" + reason + ")");
    }

    /**
     * The body stops here (undecodable, or over the route's limit without a Content-Length): the backend has part
     * of it, so its connection is closed unfinished; the client gets the error, or a close mid-response.
     */
    private void abandonBody(HttpContent content, HttpResponseStatus status, String detail) {
        content.release();
        keepAlive = false;
        releaseBackend(false);
        if (responseStarted) {
            closeAll();
        } else {
            respond(status, detail, true);
        }
    }

    // ---- Backend to client ----

    @Override
    public void backendRead(Object msg) {
        if (state == State.SWITCHING && msg instanceof ByteBuf bytes) {
            beforeRelay.add(bytes);
            return;
        }
        if (state == State.DONE || state == State.SWITCHING) {
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
        if (msg instanceof HttpContent content && state != State.SWITCHING && state != State.DONE) {
            onResponseContent(content);
        }
    }

    /** Nothing of a response that cannot be decoded is relayed: 502 if the client has had nothing yet, else a close. */
    private void backendMalformed(HttpObject object) {
        String reason = RequestRules.whyUndecodable(object);
        ReferenceCountUtil.release(object);
        client.disarmResponseTimer();
        releaseBackend(false);
        if (responseStarted || interim) {
            closeAll();
        } else {
            respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backend.url() + " sent a malformed response (" + reason + ")", !requestSent);
        }
    }

    private void onResponseHead(HttpResponse response) {
        client.disarmResponseTimer();
        int code = response.status().code();
        if (code == 101 && upgrade) {
            switchProtocols(response);
            return;
        }
        if (code >= 100 && code < 200) {
            // Interim (100 Continue): relay it, drop the empty end Netty adds, keep waiting for the final one.
            interim = true;
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status()));
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
        if (code >= 500 && shared.backendSettings.deadOn500()) {
            shared.dead.mark(route, backend, "answered " + code);
        }
        String sticky = route.options().sticky();
        if (sticky != null && !backend.token().equals(stickyToken)) {
            StickyCookie.set(response.headers(), sticky, backend.token(), client.scheme().equals("https"));
        }
        lastClientWrite = client.write(response);
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
        lastClientWrite = client.write(content);
        if (content instanceof LastHttpContent) {
            responseEnded = true;
            lastClientWrite.addListener(this::responseWritten);
        }
    }

    @Override
    public void backendReadComplete() {
        if (state == State.DONE || state == State.SWITCHING) {
            return;
        }
        client.flush();
        if (responseEnded) {
            return;
        }
        if (lastClientWrite == null || lastClientWrite.isDone()) {
            readBackendIfWritten(lastClientWrite);
        } else {
            lastClientWrite.addListener(this::readBackendIfWritten);
        }
    }

    private void readBackendIfWritten(Future<? super Void> written) {
        if (written != null && !written.isSuccess()) {
            closeAll();
        } else if (lease != null && !responseEnded) {
            lease.channel().read();
        }
    }

    private void responseWritten(Future<? super Void> written) {
        if (!written.isSuccess()) {
            closeAll();
            return;
        }
        if (!requestSent) {
            keepAlive = false; // the backend answered before the whole body arrived: neither connection can be reused
        }
        finish();
    }

    private void switchProtocols(HttpResponse response) {
        state = State.SWITCHING;
        status = 101;
        client.disarmReadTimer();
        beforeRelay = new ArrayDeque<>();
        client.writeAndFlush(response).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || lease == null) {
                closeAll();
                return;
            }
            logAccess();
            state = State.DONE;
            BackendLease relayed = lease;
            lease = null;
            uncount(); // a relayed connection is not a request under way
            client.relay(relayed, beforeRelay);
            beforeRelay = null;
        });
    }

    @Override
    public void backendClosed(Throwable cause) {
        BackendLease gone = lease;
        lease = null;
        writingToBackend = false;
        if (gone == null || state == State.DONE) {
            return;
        }
        gone.release(false);
        uncount();
        client.disarmResponseTimer();
        if (state == State.SWITCHING || responseStarted) {
            // Mid-response or mid-switch: the client gets what was sent, then the connection closes.
            state = State.DONE;
            client.closeWhenFlushed();
            return;
        }
        if (gone.reused() && bodyBytesSent == 0 && retriesLeft-- > 0) {
            // A kept-alive connection the backend had closed meanwhile; nothing of a body was sent: try a fresh one.
            // An empty body's end may be consumed already, its write failed: the retry sends it again.
            requestSent |= state == State.BODY_SENT;
            state = State.ROUTING;
            acquire();
            return;
        }
        respond(HttpResponseStatus.BAD_GATEWAY, "backend " + backend.url() + " closed the connection"
                + (cause == null ? "" : " (" + cause.getMessage() + ")"), !requestSent);
    }

    // ---- Timeouts (the client's timers call these for the exchange under way) ----

    void responseTimedOut() {
        if (lease == null || responseStarted || state == State.DONE || state == State.SWITCHING) {
            return;
        }
        shared.dead.mark(route, backend, "no response within " + responseTimeout() / 1_000_000 + " ms");
        releaseBackend(false);
        respond(HttpResponseStatus.GATEWAY_TIMEOUT, "backend " + backend.url() + " did not answer in time", !requestSent);
    }

    void clientTimedOut() {
        if (state == State.SENDING_BODY) {
            releaseBackend(false);
            respond(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time", true);
        } else if (state == State.DISCARDING) {
            closeAll();
        }
        // Otherwise the exchange waits on the backend, not the client: the response timer is in charge.
    }

    void clientClosed() {
        state = State.DONE;
        releaseBackend(false);
        if (beforeRelay != null) {
            beforeRelay.forEach(ReferenceCountUtil::release);
            beforeRelay = null;
        }
    }

    /** The route's {@code timeout}, else the proxy's, in nanoseconds. */
    private long responseTimeout() {
        return (route.options().timeout() != null ? route.options().timeout() : shared.backendSettings.timeout()).toNanos();
    }

    // ---- The end ----

    /** Answers the request from the proxy itself. */
    private void respond(HttpResponseStatus code, String detail, boolean close) {
        if (state == State.DONE) {
            return;
        }
        boolean closeAfter = closeAfterLocalAnswer(close);
        respond(detail == null
                ? Responses.text(client.alloc(), code, "ok\n", closeAfter)
                : Responses.error(client.alloc(), code, detail, closeAfter));
    }

    /** A body nobody will read cannot be skipped without reading it: close instead. */
    private boolean closeAfterLocalAnswer(boolean close) {
        return close || !keepAlive || (hasBody && state != State.BODY_SENT && !requestSent) || shared.draining();
    }

    private void respond(RouteAccess.Answer answer) {
        boolean close = answer.status() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE; // its body stays unread
        FullHttpResponse response = answer.location() != null
                ? Responses.redirect(client.alloc(), answer.location(), closeAfterLocalAnswer(close))
                : Responses.error(client.alloc(), answer.status(), answer.detail(), closeAfterLocalAnswer(close));
        if (answer.authenticate() != null) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, answer.authenticate());
        }
        respond(response);
    }

    private void respond(FullHttpResponse response) {
        if (state == State.DONE) {
            response.release();
            return;
        }
        boolean closeAfter = HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(response.headers().get(HttpHeaderNames.CONNECTION, ""));
        status = response.status().code();
        responseBytes = response.content().readableBytes();
        logAccess();
        ChannelFuture written = client.writeAndFlush(response);
        if (closeAfter) {
            state = State.DONE;
            releaseBackend(false);
            client.closeAfter(written);
        } else if (requestSent || state == State.BODY_SENT) {
            releaseBackend(false);
            finish();
        } else {
            state = State.DISCARDING; // the rest of the body is read and dropped, then the next request
            client.drain();
        }
    }

    private void finish() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        logAccess();
        releaseBackend(shared.backendSettings.keepAlive() && backendKeepAlive && requestSent && responseEnded);
        client.exchangeDone(this, keepAlive);
    }

    private void releaseBackend(boolean reusable) {
        BackendLease held = lease;
        lease = null;
        writingToBackend = false;
        if (held != null) {
            held.release(reusable);
        }
        uncount();
    }

    private void uncount() {
        if (counted != null) {
            shared.inFlight.ended(counted.url());
            counted = null;
        }
    }

    private void closeAll() {
        state = State.DONE;
        releaseBackend(false);
        client.close();
    }

    /** Once per exchange: metrics, and the access log line. */
    private void logAccess() {
        if (logged) {
            return;
        }
        logged = true;
        long nanos = System.nanoTime() - startNanos;
        shared.metrics.request(route == null ? "none" : route.key(), status, nanos);
        if (shared.accessLog.enabled()) {
            shared.accessLog.log(client.clientIp(), request.method().name(), request.uri(),
                    protocol, status, responseBytes, request.headers().get(HttpHeaderNames.REFERER),
                    request.headers().get(HttpHeaderNames.USER_AGENT), host,
                    backend == null ? null : backend.url().toString(), nanos / 1000);
        }
    }
}

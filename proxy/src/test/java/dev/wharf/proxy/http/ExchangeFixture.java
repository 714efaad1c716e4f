package dev.wharf.proxy.http;

import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.route.Candidate;
import dev.wharf.route.Frontend;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.LookupOrder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the request path's embedded tests ({@link ExchangeTest} over HTTP/1.1, {@link ClientStreamTest} over
 * HTTP/2) stand on: the proxy's shared parts over routes from a map (and the agents' reasons for hosts without
 * one), backend connections from {@link FakeBackends} (HTTP objects, no sockets), dead marks into a list and ACME
 * tokens from a map; and the check that every test ends with nothing left unreleased on either side.
 */
abstract class ExchangeFixture {

    final Map<String, List<Frontend>> routes = new HashMap<>();
    final FakeBackends backends = new FakeBackends();
    final List<String> marks = new ArrayList<>();
    final Map<String, List<String>> whyNot = new HashMap<>();
    final BasicAuth auth = new BasicAuth(1);
    final Map<String, String> challenges = new HashMap<>();
    ProxySettings settings = TestProxy.defaults("redis://127.0.0.1:1");
    /** The client's side of the proxy, which each test class builds its own way. */
    EmbeddedChannel client;

    @AfterEach
    void nothingLeftUnreleased() {
        auth.close();
        if (client != null) {
            assertThat(client.finishAndReleaseAll()).as("client messages left").isFalse();
        }
        for (FakeBackends.Lease lease : backends.leases) {
            assertThat(lease.channel.finishAndReleaseAll()).as("backend messages left").isFalse();
        }
    }

    void route(String host, String... backendUrls) {
        route(new Frontend(host, host, List.of(backendUrls), Set.of()));
    }

    void route(Frontend frontend) {
        routes.computeIfAbsent(frontend.host(), h -> new ArrayList<>()).add(frontend);
    }

    ProxyContext context() {
        RouteCache cache = new RouteCache((host, candidates) -> {
            for (Candidate candidate : candidates) {
                List<Frontend> frontends = routes.get(candidate.frontend());
                if (frontends != null) {
                    return CompletableFuture.completedFuture(new LookupAnswer(frontends, whyNot.getOrDefault(host, List.of())));
                }
            }
            return CompletableFuture.completedFuture(new LookupAnswer(List.of(), whyNot.getOrDefault(host, List.of())));
        }, new LookupOrder(LookupOrder.DEFAULT_XIP_DOMAINS), LookupOrder.DEFAULT_XIP_DOMAINS, Duration.ofSeconds(1));
        ProxyMetrics metrics = new ProxyMetrics();
        DeadBackends dead = new DeadBackends((requestHost, frontend, url, index, count, ttl) -> {
            marks.add(url);
            return CompletableFuture.completedFuture(true);
        }, Duration.ofSeconds(30), metrics);
        try {
            return new ProxyContext(settings.clients(), settings.backends(), settings.listeners().redirectHttps(), cache, dead,
                    backends, auth, AccessLog.open("off"), metrics,
                    token -> CompletableFuture.completedFuture(Optional.ofNullable(challenges.get(token))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse response(int status, String contentLength) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        if (contentLength != null) {
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        return response;
    }

    static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @SafeVarargs
    static void release(List<Object>... lists) {
        for (List<Object> messages : lists) {
            messages.forEach(ReferenceCountUtil::release);
        }
    }
}

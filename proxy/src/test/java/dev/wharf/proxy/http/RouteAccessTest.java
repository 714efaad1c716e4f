package dev.wharf.proxy.http;

import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.proxy.route.HostRoutes;
import dev.wharf.route.Frontend;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class RouteAccessTest {

    private static final HostRoutes ROUTES = new HostRoutes("app.test", List.of(
            new Frontend("app.test", "app.test", List.of("http://10.0.0.1:80"), Set.of()),
            new Frontend("app.test", "/admin", "app.test", List.of("http://10.0.0.2:80"), Set.of(), Map.of("allow", "10.0.0.0/8")),
            new Frontend("app.test", "/api", "app.test", List.of("http://10.0.0.3:80"), Set.of(), Map.of("strip-path", "true"))));

    static Stream<Arguments> decisions() {
        return Stream.of(
                // name, target, peer, X-Forwarded-For (trusted), route path matched or null, status or 0, target after
                Arguments.of("whole host", "/x?y", "10.1.1.1", null, "", 0, "/x?y"),
                Arguments.of("path route, allowed", "/admin/users", "10.1.1.1", null, "/admin", 0, "/admin/users"),
                Arguments.of("path route, not allowed", "/admin", "192.168.1.1", null, "/admin", 403, "/admin"),
                Arguments.of("dotted path reaches /admin's options", "/x/../admin?q", "192.168.1.1", null, "/admin", 403, "/admin?q"),
                Arguments.of("encoded path reaches /admin's options", "/%61dmin", "192.168.1.1", null, "/admin", 403, "/admin"),
                Arguments.of("segment boundary", "/adminx", "192.168.1.1", null, "", 0, "/adminx"),
                Arguments.of("trusted proxy says the client is inside", "/admin", "192.168.1.1", "1.2.3.4, 10.9.9.9", "/admin", 0, "/admin"),
                Arguments.of("a client's own X-Forwarded-For entry is not believed", "/admin", "192.168.1.1", "10.9.9.9, 8.8.8.8", "/admin", 403, "/admin"),
                Arguments.of("garbage X-Forwarded-For", "/admin", "10.1.1.1", "not-an-ip", "/admin", 403, "/admin"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void decisions(String name, String target, String peer, String forwardedFor, String matched, int status, String after)
            throws Exception {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        RouteAccess.Decision decision = RouteAccess.admit(ROUTES, request, "app.test", "http", InetAddress.getByName(peer), forwardedFor);
        assertThat(decision.route().path()).isEqualTo(matched);
        assertThat(decision.answer() == null ? 0 : decision.answer().status().code()).isEqualTo(status);
        assertThat(request.uri()).isEqualTo(after);
    }

    @Test
    void aHostWithOnlyPathRoutesAnswers404Elsewhere() {
        HostRoutes onlyPaths = new HostRoutes("app.test", List.of(
                new Frontend("app.test", "/api", "app.test", List.of("http://10.0.0.3:80"), Set.of(), Map.of())));
        RouteAccess.Decision decision = RouteAccess.admit(onlyPaths, new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/web"),
                "app.test", "http", null, null);
        assertThat(decision.answer().status().code()).isEqualTo(404);
        assertThat(decision.answer().detail()).isEqualTo("no route for host app.test and path /web");
    }

    @Test
    void stripsThePrefixForTheBackend() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/users?id=7");
        RouteAccess.Decision decision = RouteAccess.admit(ROUTES, request, "app.test", "http", null, null);
        RouteAccess.rewriteForBackend(decision.route(), request);
        assertThat(request.uri()).isEqualTo("/v1/users?id=7");
        assertThat(request.headers().get("x-forwarded-prefix")).isEqualTo("/api");
    }

    @Test
    void authVerdictsAnswer() {
        assertThat(RouteAccess.afterAuth(BasicAuth.Verdict.ALLOWED, "a.test")).isNull();
        assertThat(RouteAccess.afterAuth(BasicAuth.Verdict.DENIED, "a.test").authenticate()).isEqualTo("Basic realm=\"a.test\", charset=\"UTF-8\"");
        assertThat(RouteAccess.afterAuth(BasicAuth.Verdict.BUSY, "a.test").status().code()).isEqualTo(503);
    }
}

package dev.wharf.agent.routing;

import dev.wharf.agent.docker.ContainerSnapshot.Health;
import dev.wharf.agent.docker.Containers;
import dev.wharf.route.BackendUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.wharf.agent.docker.Containers.container;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RoutePlannerTest {

    private static final RoutingSettings DEFAULTS = RoutingSettings.defaults();
    private static final RoutingSettings PROXY_NET = new RoutingSettings(Optional.of("wharf"), List.of(), Optional.empty());
    private static final RoutingSettings DOMAINS = new RoutingSettings(Optional.empty(), List.of("example.com", "example.org"), Optional.empty());
    private static final RoutingSettings PUBLISHED = new RoutingSettings(Optional.empty(), List.of(), Optional.of("192.0.2.10"));

    /** Routes as "host -> url" strings, sorted; the table's expected column. */
    static Stream<Arguments> routedContainers() {
        return Stream.of(
                arguments("label", DEFAULTS, container().label("VIRTUAL_HOST", "shop.example.com").exposed(80),
                        List.of("shop.example.com -> http://172.17.0.2:80")),
                arguments("env (nginx-proxy)", DEFAULTS, container().env("VIRTUAL_HOST", "shop.example.com").exposed(80),
                        List.of("shop.example.com -> http://172.17.0.2:80")),
                arguments("label wins over env", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").env("VIRTUAL_HOST", "b.com")
                                .env("VIRTUAL_PORT", "9000").label("VIRTUAL_PORT", "8080"),
                        List.of("a.com -> http://172.17.0.2:8080")),
                arguments("list, trimmed, case folded, duplicates once", DEFAULTS,
                        container().label("VIRTUAL_HOST", " Shop.Example.com , *.Example.org,shop.example.com,").exposed(3000),
                        List.of("*.example.org -> http://172.17.0.2:3000", "shop.example.com -> http://172.17.0.2:3000")),
                arguments("only exposed port", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").exposed(3000),
                        List.of("a.com -> http://172.17.0.2:3000")),
                arguments("no port anywhere: 80", DEFAULTS, container().label("VIRTUAL_HOST", "a.com"),
                        List.of("a.com -> http://172.17.0.2:80")),
                arguments("several exposed: 80", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").exposed(80, 443),
                        List.of("a.com -> http://172.17.0.2:80")),
                arguments("VIRTUAL_PORT among exposed", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "443").exposed(80, 443),
                        List.of("a.com -> http://172.17.0.2:443")),
                arguments("VIRTUAL_PORT with nothing exposed", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "8080"),
                        List.of("a.com -> http://172.17.0.2:8080")),
                arguments("VIRTUAL_PROTO https", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PROTO", "HTTPS").exposed(443),
                        List.of("a.com -> https://172.17.0.2:443")),
                arguments("VIRTUAL_PROTO grpc is HTTP/2 with prior knowledge", DEFAULTS,
                        container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PROTO", "grpc").exposed(50051),
                        List.of("a.com -> h2c://172.17.0.2:50051")),
                arguments("VIRTUAL_PROTO h2c", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PROTO", "h2c").exposed(8080),
                        List.of("a.com -> h2c://172.17.0.2:8080")),
                arguments("short name under every domain", DOMAINS, container().label("VIRTUAL_HOST", "blog,shop.example.net").exposed(80),
                        List.of("blog -> http://172.17.0.2:80", "blog.example.com -> http://172.17.0.2:80",
                                "blog.example.org -> http://172.17.0.2:80", "shop.example.net -> http://172.17.0.2:80")),
                arguments("--network preferred", PROXY_NET,
                        container().network("wharf", "172.18.0.5").network("backend", "172.19.0.5").label("VIRTUAL_HOST", "a.com").exposed(80),
                        List.of("a.com -> http://172.18.0.5:80")),
                arguments("VIRTUAL_NETWORK beats --network", PROXY_NET,
                        container().network("wharf", "172.18.0.5").network("backend", "172.19.0.5")
                                .label("VIRTUAL_HOST", "a.com").label("VIRTUAL_NETWORK", "backend").exposed(80),
                        List.of("a.com -> http://172.19.0.5:80")),
                arguments("not on --network, one network: that one", PROXY_NET,
                        container().noNetworks().network("other", "172.20.0.5").label("VIRTUAL_HOST", "a.com").exposed(80),
                        List.of("a.com -> http://172.20.0.5:80")),
                arguments("several networks: first by name", DEFAULTS,
                        container().noNetworks().network("zeta", "172.21.0.5").network("alpha", "172.20.0.5").label("VIRTUAL_HOST", "a.com").exposed(80),
                        List.of("a.com -> http://172.20.0.5:80")),
                arguments("published mode", PUBLISHED,
                        container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "80").exposed(80).published(80, 32768),
                        List.of("a.com -> http://192.0.2.10:32768")),
                arguments("host networking with --advertise-ip", PUBLISHED,
                        container().hostNetwork().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "8080"),
                        List.of("a.com -> http://192.0.2.10:8080")),
                arguments("healthy", DEFAULTS, container().label("VIRTUAL_HOST", "a.com").exposed(80).health(Health.HEALTHY),
                        List.of("a.com -> http://172.17.0.2:80")),
                // Route options (SPEC §6)
                arguments("VIRTUAL_PATH, VIRTUAL_DEST=/ (nginx-proxy)", DEFAULTS,
                        container().env("VIRTUAL_HOST", "a.com").env("VIRTUAL_PATH", "/api/").env("VIRTUAL_DEST", "/").exposed(80),
                        List.of("a.com/api -> http://172.17.0.2:80 {strip-path=true}")),
                arguments("wharf.path wins over VIRTUAL_PATH", DEFAULTS,
                        container().label("VIRTUAL_HOST", "a.com").label("wharf.path", "/v2").env("VIRTUAL_PATH", "/v1").exposed(80),
                        List.of("a.com/v2 -> http://172.17.0.2:80")),
                arguments("options on every route, auth shown without its hashes", DEFAULTS,
                        container().label("VIRTUAL_HOST", "a.com,b.com").label("wharf.auth", ALICE).label("wharf.allow", "10.0.0.0/8")
                                .label("wharf.lb", "least-conn").label("wharf.max-body", "1m").label("wharf.timeout", "5s")
                                .label("wharf.sticky", "srv").label("wharf.https-redirect", "true").exposed(80),
                        List.of("a.com -> http://172.17.0.2:80 {allow=10.0.0.0/8, auth=(1 user(s)), https-redirect=true, lb=least-conn, max-body=1m, sticky=srv, timeout=5s}",
                                "b.com -> http://172.17.0.2:80 {allow=10.0.0.0/8, auth=(1 user(s)), https-redirect=true, lb=least-conn, max-body=1m, sticky=srv, timeout=5s}")),
                arguments("named routes: several ports, own options, inherited host", DEFAULTS,
                        container().label("VIRTUAL_HOST", "app.com").label("wharf.max-body", "1k")
                                .label("wharf.route.admin.host", "admin.app.com").label("wharf.route.admin.port", "9000")
                                .label("wharf.route.admin.allow", "10.0.0.0/8")
                                .label("wharf.route.metrics.path", "/metrics").label("wharf.route.metrics.port", "9100")
                                .label("wharf.route.metrics.proto", "https").exposed(80, 9000, 9100),
                        List.of("admin.app.com -> http://172.17.0.2:9000 {allow=10.0.0.0/8, max-body=1k}",
                                "app.com -> http://172.17.0.2:80 {max-body=1k}",
                                "app.com/metrics -> https://172.17.0.2:9100 {max-body=1k}")),
                arguments("named routes only", DEFAULTS,
                        container().label("wharf.route.web.host", "w.com").label("wharf.route.web.port", "8080"),
                        List.of("w.com -> http://172.17.0.2:8080")),
                arguments("VIRTUAL_HOST_MULTIPORTS as YAML", DEFAULTS,
                        container().env("VIRTUAL_HOST_MULTIPORTS", """
                                www.example.org:
                                service.example.org:
                                  "/ports/8080":
                                    port: 8080
                                  "/ports/9000":
                                    port: 9000
                                    dest: "/"
                                """).env("VIRTUAL_HOST", "ignored.com").exposed(80, 8080, 9000),
                        List.of("service.example.org/ports/8080 -> http://172.17.0.2:8080",
                                "service.example.org/ports/9000 -> http://172.17.0.2:9000 {strip-path=true}",
                                "www.example.org -> http://172.17.0.2:80")),
                arguments("VIRTUAL_HOST_MULTIPORTS as JSON", DEFAULTS,
                        container().label("VIRTUAL_HOST_MULTIPORTS", "{\"a.com\": {\"/\": {\"port\": 8080}}, \"b.com\": {}}").exposed(8080),
                        List.of("a.com -> http://172.17.0.2:8080", "b.com -> http://172.17.0.2:8080")));
    }

    /** htpasswd -nbB alice secret */
    private static final String ALICE = "alice:$2y$05$ohsD7Ic/KlA8iKdbQHUSKOVWeHXFzW6Z2XAzR4vBAO5wzk8W8D3Wy";

    @ParameterizedTest(name = "{0}")
    @MethodSource("routedContainers")
    void routes(String name, RoutingSettings settings, Containers container, List<String> expected) {
        Decision decision = new RoutePlanner(settings).plan(container.build());
        assertThat(decision.routes().stream().map(Route::toString).sorted()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> unroutedContainers() {
        return Stream.of(
                // name, container, why not (null: it asks for nothing)
                arguments("no VIRTUAL_HOST", container().exposed(80), null),
                arguments("opted out", container().label("VIRTUAL_HOST", "a.com").label("wharf.enable", "false"), "is opted out (wharf.enable=false)"),
                arguments("stopped", container().label("VIRTUAL_HOST", "a.com").stopped(), "is not running"),
                arguments("paused", container().label("VIRTUAL_HOST", "a.com").paused(), "is paused"),
                arguments("health starting", container().label("VIRTUAL_HOST", "a.com").health(Health.STARTING),
                        "is starting (its health check has not passed yet)"),
                arguments("unhealthy", container().label("VIRTUAL_HOST", "a.com").health(Health.UNHEALTHY), "is unhealthy"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unroutedContainers")
    void routesNothingQuietlyAndSaysWhy(String name, Containers container, String whyNot) {
        Decision decision = new RoutePlanner(DEFAULTS).plan(container.build());
        assertThat(decision.routes()).isEmpty();
        assertThat(decision.warnings()).isEmpty();
        assertThat(decision.whyNot()).isEqualTo(whyNot);
        assertThat(decision.askedHosts()).isEqualTo(whyNot == null ? java.util.Set.of() : java.util.Set.of("a.com"));
    }

    static Stream<Arguments> badContainers() {
        return Stream.of(
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "bad host!"), "VIRTUAL_HOST='bad host!' is not valid"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com,bad host!"), "VIRTUAL_HOST='a.com,bad host!' is not valid"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com:8080"), "must not contain a port"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", " , "), "VIRTUAL_HOST=' , ' names no host"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "abc"), "VIRTUAL_PORT='abc' is not a number"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "70000"), "VIRTUAL_PORT='70000' is not a port"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PORT", "8080").exposed(80),
                        "VIRTUAL_PORT='8080' is not an exposed port (exposed: [80])"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PROTO", "ftp"), "VIRTUAL_PROTO='ftp' must be http, https, h2c or grpc"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_NETWORK", "nope"),
                        "VIRTUAL_NETWORK='nope' is not a network of this container"),
                arguments(DEFAULTS, container().noNetworks().label("VIRTUAL_HOST", "a.com"), "on no network"),
                arguments(DEFAULTS, container().hostNetwork().label("VIRTUAL_HOST", "a.com"), "needs --advertise-ip"),
                arguments(PUBLISHED, container().label("VIRTUAL_HOST", "a.com").exposed(80), "port 80/tcp is not published"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PATH", "api"), "VIRTUAL_PATH='api' is not valid: path 'api' must start with /"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_DEST", "/app"), "VIRTUAL_DEST='/app' is not supported"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("wharf.auth", "alice:$apr1$x$y"), "wharf.auth='alice:$apr1$x$y' user 'alice' has an MD5 hash"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("wharf.lb", "fastest"), "wharf.lb='fastest' must be one of"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("wharf.allow", "office"), "wharf.allow='office' 'office' is not an IP address"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("wharf.route.x.max-body", "lots"), "wharf.route.x.max-body='lots' must be a size"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("wharf.route.x.colour", "blue"), "wharf.route.x.colour='blue' is not a route setting"),
                arguments(DEFAULTS, container().label("wharf.route.x.port", "80"), "wharf.route.x.host='' is missing"),
                arguments(DEFAULTS, container().label("wharf.route.a.b.host", "a.com"), "wharf.route.a.b.host='a.com' is not wharf.route.<name>.<key>"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST_MULTIPORTS", "a.com: [unclosed"), "VIRTUAL_HOST_MULTIPORTS='a.com: [unclosed' is not YAML or JSON"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST_MULTIPORTS", "just text"), "must map each host to its paths"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST_MULTIPORTS", "a.com: {/x: {port: nope}}"), "VIRTUAL_HOST_MULTIPORTS='nope' is not a number"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badContainers")
    void skipsBadInputWithAWarningNamingContainerAndLabel(RoutingSettings settings, Containers container, String problem) {
        Decision decision = new RoutePlanner(settings).plan(container.build());

        assertThat(decision.routes()).isEmpty();
        assertThat(decision.warnings()).singleElement().asString()
                .startsWith("container web-1 (0123456789ab): ")
                .contains(problem)
                .endsWith("not routed");
        // What an error page may say: the label's name at most, never its value or an address.
        assertThat(decision.whyNot()).matches("has an invalid label [A-Za-z_.-]+|has no address the proxy can reach");
    }

    @Test
    void aContainerWithABadLabelStillSaysWhichHostsItWanted() {
        Decision decision = new RoutePlanner(DEFAULTS).plan(container().label("VIRTUAL_HOST", "A.com, bad host!,b.com")
                .label("wharf.route.x.host", "c.com").label("VIRTUAL_PORT", "abc").build());
        assertThat(decision.askedHosts()).containsExactlyInAnyOrder("a.com", "b.com", "c.com");
        assertThat(decision.whyNot()).isEqualTo("has an invalid label VIRTUAL_HOST");
    }

    @Test
    void warnsWhenItHadToGuess() {
        Decision severalNetworks = new RoutePlanner(DEFAULTS).plan(container().network("zeta", "172.21.0.5")
                .label("VIRTUAL_HOST", "a.com").exposed(80).build());
        assertThat(severalNetworks.warnings()).singleElement().asString().contains("several networks [bridge, zeta]", "using 'bridge'");

        Decision defaultPort = new RoutePlanner(DEFAULTS).plan(container().label("VIRTUAL_HOST", "a.com").build());
        assertThat(defaultPort.warnings()).singleElement().asString().contains("no exposed port: using port 80");
        assertThat(defaultPort.routes()).containsExactly(new Route("a.com", BackendUrl.http("172.17.0.2", 80)));
    }
}

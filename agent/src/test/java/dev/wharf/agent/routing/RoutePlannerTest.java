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
                        List.of("a.com -> http://172.17.0.2:80")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routedContainers")
    void routes(String name, RoutingSettings settings, Containers container, List<String> expected) {
        Decision decision = new RoutePlanner(settings).plan(container.build());
        assertThat(decision.routes().stream().map(Route::toString).sorted()).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> unroutedContainers() {
        return Stream.of(
                arguments("no VIRTUAL_HOST", container().exposed(80)),
                arguments("opted out", container().label("VIRTUAL_HOST", "a.com").label("wharf.enable", "false")),
                arguments("stopped", container().label("VIRTUAL_HOST", "a.com").stopped()),
                arguments("paused", container().label("VIRTUAL_HOST", "a.com").paused()),
                arguments("health starting", container().label("VIRTUAL_HOST", "a.com").health(Health.STARTING)),
                arguments("unhealthy", container().label("VIRTUAL_HOST", "a.com").health(Health.UNHEALTHY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unroutedContainers")
    void routesNothingQuietly(String name, Containers container) {
        assertThat(new RoutePlanner(DEFAULTS).plan(container.build())).isEqualTo(Decision.none());
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
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_PROTO", "ftp"), "VIRTUAL_PROTO='ftp' must be http or https"),
                arguments(DEFAULTS, container().label("VIRTUAL_HOST", "a.com").label("VIRTUAL_NETWORK", "nope"),
                        "VIRTUAL_NETWORK='nope' is not a network of this container"),
                arguments(DEFAULTS, container().noNetworks().label("VIRTUAL_HOST", "a.com"), "on no network"),
                arguments(DEFAULTS, container().hostNetwork().label("VIRTUAL_HOST", "a.com"), "needs --advertise-ip"),
                arguments(PUBLISHED, container().label("VIRTUAL_HOST", "a.com").exposed(80), "port 80/tcp is not published"));
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

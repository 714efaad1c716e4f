package dev.wharf.agent.routing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wharf.agent.docker.Containers;
import dev.wharf.route.Hosts;
import dev.wharf.route.RouteOptions;
import dev.wharf.route.RoutePaths;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any labels and environment: the planner never throws; a container it skips gets a warning; every route it
 * plans has a valid frontend host and path and options the proxy accepts (so the agent never writes a key the proxy
 * cannot look up, nor an option it would drop).
 */
class RoutingLabelsFuzzTest {

    private static final RoutePlanner PLANNER = new RoutePlanner(RoutingSettings.defaults());
    private static final String[] NAMES = {"VIRTUAL_HOST", "VIRTUAL_PORT", "VIRTUAL_NETWORK", "VIRTUAL_PROTO",
            "wharf.host", "wharf.port", "wharf.network", "wharf.proto", "VIRTUAL_PATH", "VIRTUAL_DEST",
            "VIRTUAL_HOST_MULTIPORTS", "wharf.path", "wharf.strip-path", "wharf.auth", "wharf.allow", "wharf.redirect",
            "wharf.lb", "wharf.sticky", "wharf.max-body", "wharf.timeout", "wharf.tls", "wharf.route.a.host",
            "wharf.route.a.port", "wharf.route.a.path", "wharf.route.a.allow", "wharf.route.b.host"};

    @FuzzTest(maxDuration = "30s")
    void anyLabelsArePlannedOrWarnedAbout(FuzzedDataProvider data) {
        Containers container = Containers.container().exposed(data.consumeInt(1, 65535), 8080);
        int count = data.consumeInt(0, 6);
        for (int i = 0; i < count; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(20);
            String value = data.consumeString(80);
            if (data.consumeBoolean()) {
                container.label(name, value);
            } else {
                container.env(name, value);
            }
        }
        Decision decision = PLANNER.plan(container.build());
        for (Route route : decision.routes()) {
            assertThat(Hosts.frontendHost(route.host())).isEqualTo(route.host());
            assertThat(RoutePaths.prefix(route.path())).isEqualTo(route.path());
            assertThat(RouteOptions.parse(route.options()).problems()).as("options the proxy would refuse").isEmpty();
        }
    }
}

package dev.wharf.agent.routing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wharf.agent.docker.Containers;
import dev.wharf.route.Hosts;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any labels and environment: the planner never throws; a container it skips gets a warning; every route it
 * plans has a valid frontend host (so the agent never writes a key the proxy cannot look up).
 */
class RoutingLabelsFuzzTest {

    private static final RoutePlanner PLANNER = new RoutePlanner(RoutingSettings.defaults());
    private static final String[] NAMES = {"VIRTUAL_HOST", "VIRTUAL_PORT", "VIRTUAL_NETWORK", "VIRTUAL_PROTO",
            "wharf.host", "wharf.port", "wharf.network", "wharf.proto"};

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
        }
    }
}

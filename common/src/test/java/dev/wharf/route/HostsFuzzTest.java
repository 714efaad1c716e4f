package dev.wharf.route;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any Host header either fails with {@link InvalidRouteException} or gives a lower-case host without a port,
 * whose lookup order is computed without failing and names only frontends that are valid keys themselves
 * (IPv6 literals aside: they are looked up as they are).
 */
class HostsFuzzTest {

    private static final LookupOrder ORDER = LookupOrder.withDefaults();

    @FuzzTest(maxDuration = "30s")
    void aHostHeaderIsRefusedOrNormalisedAndLookedUp(String header) {
        String host;
        try {
            host = Hosts.requestHost(header);
        } catch (InvalidRouteException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(host).isEqualTo(host.toLowerCase(Locale.ROOT)).doesNotContain(" ", "\r", "\n", "\u0000");
        if (!host.startsWith("[")) {
            assertThat(host).as("port stripped").doesNotContain(":");
        }
        for (Candidate candidate : ORDER.candidates(host)) {
            if (!candidate.frontend().startsWith("[")) { // an IPv6 literal is looked up as it is, never registered
                assertThat(Hosts.frontendHost(candidate.frontend())).isEqualTo(candidate.frontend());
            }
        }
    }
}

package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;
import dev.wharf.route.Frontend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ResolvedRouteTest {

    private static final String A = "http://10.0.0.1:80";
    private static final String B = "http://10.0.0.2:80";
    private static final String C = "http://10.0.0.3:80";

    static Stream<Arguments> picks() {
        return Stream.of(
                // name, backends, dead in Redis (indexes), dead here (urls), tried (indexes), picks in a row
                Arguments.of("round-robin", List.of(A, B, C), Set.of(), Set.of(), List.of(), List.of(A, B, C, A)),
                Arguments.of("skips Redis's dead", List.of(A, B, C), Set.of(1), Set.of(), List.of(), List.of(A, C, C, A)),
                Arguments.of("skips this proxy's dead", List.of(A, B, C), Set.of(), Set.of(A), List.of(), List.of(B, B, C, B)),
                Arguments.of("skips the tried", List.of(A, B), Set.of(), Set.of(), List.of(0), List.of(B, B)),
                Arguments.of("skips the unusable", List.of("ftp://x", A), Set.of(), Set.of(), List.of(), List.of(A, A)),
                Arguments.of("all dead: one anyway", List.of(A, B), Set.of(0), Set.of(B), List.of(), List.of(A, B, A)),
                Arguments.of("all tried: none", List.of(A, B), Set.of(), Set.of(), List.of(0, 1), List.of("none")),
                Arguments.of("no backends: none", List.of(), Set.of(), Set.of(), List.of(), List.of("none")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void picks(String name, List<String> backends, Set<Integer> deadInRedis, Set<String> deadHere, List<Integer> tried,
               List<String> expected) {
        ResolvedRoute route = new ResolvedRoute("app.test", new Frontend("app.test", "app", backends, deadInRedis));
        BitSet triedSet = new BitSet();
        tried.forEach(triedSet::set);
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            ResolvedRoute.Backend backend = route.pick(triedSet, (BackendUrl url) -> deadHere.contains(url.toString()), url -> 0);
            picked.add(backend == null ? "none" : backend.stored());
        }
        assertThat(picked).containsExactlyElementsOf(expected);
    }

    @org.junit.jupiter.api.Test
    void leastConnPicksTheBackendWithFewestRequestsInFlightAndSkipsTheDead() {
        ResolvedRoute route = new ResolvedRoute("app.test", new Frontend("app.test", "", "app", List.of(A, B, C), Set.of(),
                java.util.Map.of("lb", "least-conn")));
        java.util.Map<String, Integer> load = java.util.Map.of(A, 3, B, 1, C, 2);
        for (int i = 0; i < 4; i++) {
            assertThat(route.pick(null, url -> false, url -> load.get(url.toString())).stored()).isEqualTo(B);
        }
        assertThat(route.pick(null, url -> url.toString().equals(B), url -> load.get(url.toString())).stored()).isEqualTo(C);
    }

    @org.junit.jupiter.api.Test
    void randomSpreadsOverEveryLiveBackend() {
        ResolvedRoute route = new ResolvedRoute("app.test", new Frontend("app.test", "", "app", List.of(A, B, C), Set.of(2),
                java.util.Map.of("lb", "random")));
        java.util.Set<String> picked = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            picked.add(route.pick(null, url -> false, url -> 0).stored());
        }
        assertThat(picked).containsExactlyInAnyOrder(A, B);
    }

    @org.junit.jupiter.api.Test
    void stickyTokensNameBackendsStablyWithoutTheirAddress() {
        ResolvedRoute route = new ResolvedRoute("app.test", new Frontend("app.test", "app", List.of(A, B, "not a url"), Set.of()));
        ResolvedRoute again = new ResolvedRoute("other.test", new Frontend("other.test", "x", List.of(B, A), Set.of()));
        ResolvedRoute.Backend b = route.backends().get(1);
        assertThat(b.token()).doesNotContain("10.0.0").isEqualTo(again.backends().get(0).token());
        assertThat(route.byToken(b.token())).isSameAs(b);
        assertThat(route.byToken(route.backends().get(2).token())).isNull(); // unusable
        assertThat(route.byToken("nope")).isNull();
    }
}

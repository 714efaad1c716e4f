package dev.wharf.agent.sync;

import dev.wharf.agent.routing.Decision;
import dev.wharf.agent.routing.Route;
import dev.wharf.route.BackendUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RouteDiffTest {

    private static final Route A = route("a.com", "10.0.0.1");
    private static final Route B = route("b.com", "10.0.0.1");
    private static final Route C = route("a.com", "10.0.0.2");
    private static final Route A_AUTH = new Route("a.com", "", BackendUrl.http("10.0.0.1", 80), Map.of("auth", "u:$2y$x"));

    private static Route route(String host, String ip) {
        return new Route(host, BackendUrl.http(ip, 80));
    }

    private static Optional<OwnedRoutes> had(String name, Route... routes) {
        return Optional.of(new OwnedRoutes(name, Set.of(routes)));
    }

    private static Decision want(Route... routes) {
        return new Decision(Set.of(routes), List.of());
    }

    /** "widen | ensure | remove | kept | narrow | forget", each a sorted list of routes or a record's routes. */
    private static String shape(Change change) {
        return String.join(" | ", record(change.widen()), names(change.ensure()), names(change.remove()),
                names(change.kept().keySet()), record(change.narrow()), change.forget() ? "forget" : "-");
    }

    private static String record(OwnedRoutes record) {
        return record == null ? "-" : record.container() + names(record.routes());
    }

    private static String names(Set<Route> routes) {
        return routes.stream().map(Route::toString).collect(Collectors.toCollection(TreeSet::new)).toString();
    }

    static Stream<Arguments> changes() {
        String a = "[a.com -> http://10.0.0.1:80]";
        String ab = "[a.com -> http://10.0.0.1:80, b.com -> http://10.0.0.1:80]";
        String none = "[]";
        return Stream.of(
                arguments("new container: record first, then its routes",
                        Optional.empty(), want(A), Map.of(), "web" + a + " | " + a + " | [] | [] | - | -"),
                arguments("unchanged: routes ensured, no record written",
                        had("web", A), want(A), Map.of(), "- | " + a + " | [] | [] | - | -"),
                arguments("a route more: record widened before it is added",
                        had("web", A), want(A, B), Map.of(), "web" + ab + " | " + ab + " | [] | [] | - | -"),
                arguments("a route less: removed, then the record narrowed",
                        had("web", A, B), want(A), Map.of(), "- | " + a + " | [b.com -> http://10.0.0.1:80] | [] | web" + a + " | -"),
                arguments("replaced: widened to both, added, removed, narrowed",
                        had("web", C), want(A), Map.of(),
                        "web[a.com -> http://10.0.0.1:80, a.com -> http://10.0.0.2:80] | " + a
                                + " | [a.com -> http://10.0.0.2:80] | [] | web" + a + " | -"),
                arguments("gone: every route removed, record forgotten",
                        had("web", A, B), Decision.none(), Map.of(), "- | [] | " + ab + " | [] | - | forget"),
                arguments("gone, its address taken by another container: that route kept",
                        had("old", A, B), Decision.none(), Map.of(A, "new"),
                        "- | [] | [b.com -> http://10.0.0.1:80] | " + a + " | - | forget"),
                arguments("never routed, nothing wanted: nothing at all",
                        Optional.empty(), Decision.none(), Map.of(), "- | [] | [] | [] | - | -"),
                arguments("renamed: the record names it again",
                        had("old-name", A), want(A), Map.of(), "web" + a + " | " + a + " | [] | [] | - | -"),
                arguments("options changed: the record carries them",
                        had("web", A), want(A_AUTH), Map.of(), "web" + a.replace("]", " {auth=(1 user(s))}]") + " | "
                                + a.replace("]", " {auth=(1 user(s))}]") + " | [] | [] | - | -"),
                arguments("others named but nothing leaves: ignored",
                        had("web", A), want(A), Map.of(A, "other"), "- | " + a + " | [] | [] | - | -"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void decidesWhatIsWrittenInWhichOrder(String name, Optional<OwnedRoutes> had, Decision want, Map<Route, String> others,
                                          String expected) {
        assertThat(shape(RouteDiff.diff("web", had, want, true, others))).isEqualTo(expected);
    }

    static Stream<Arguments> leaving() {
        return Stream.of(
                arguments(Optional.empty(), want(A), false),
                arguments(had("web", A), want(A, B), false),
                arguments(had("web", A, B), want(A), true),
                arguments(had("web", A), Decision.none(), true));
    }

    @ParameterizedTest
    @MethodSource("leaving")
    void asksForOtherContainersOnlyWhenSomethingLeaves(Optional<OwnedRoutes> had, Decision want, boolean leaves) {
        assertThat(RouteDiff.somethingLeaves(had, want)).isEqualTo(leaves);
    }

    @ParameterizedTest
    @MethodSource("statuses")
    void recordsTheDecisionOfAContainerThatExistsAndForgetsAGoneOne(boolean exists, boolean recorded) {
        Decision decision = want(A);
        Change change = RouteDiff.diff("web", Optional.empty(), decision, exists, Map.of());
        assertThat(change.status() != null).isEqualTo(recorded);
    }

    static Stream<Arguments> statuses() {
        return Arrays.stream(new Boolean[]{true, false}).map(exists -> arguments(exists, exists));
    }
}

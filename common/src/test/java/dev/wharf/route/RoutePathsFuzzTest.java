package dev.wharf.route;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any request path has a canonical form that starts with '/', has no dot or empty segment left, is its own
 * canonical form, and is matched by a prefix exactly when its segments start with the prefix's; any prefix or
 * option value a user writes is accepted in normal form or refused with a message, never an exception.
 */
class RoutePathsFuzzTest {

    private static final List<String> PREFIXES = List.of("", "/api", "/api/v1", "/admin", "/a.b");

    @FuzzTest(maxDuration = "30s")
    void anyPathIsCanonicalisedAndMatchedOnSegments(FuzzedDataProvider data) {
        String path = "/" + data.consumeString(200);
        String canonical = RoutePaths.canonical(path);
        assertThat(canonical).startsWith("/").doesNotContain("//", "/./", "/../").doesNotEndWith("/.").doesNotEndWith("/..");
        assertThat(RoutePaths.canonical(canonical)).isEqualTo(canonical);
        String longest = RoutePaths.longest(PREFIXES, canonical);
        assertThat(longest).isNotNull();
        assertThat(canonical.equals(longest) || canonical.startsWith(longest + "/") || longest.isEmpty()).isTrue();

        String prefix = data.consumeString(60);
        try {
            String normal = RoutePaths.prefix(prefix);
            assertThat(RoutePaths.prefix(normal)).isEqualTo(normal);
            assertThat(RoutePaths.canonical(normal.isEmpty() ? "/" : normal)).isEqualTo(normal.isEmpty() ? "/" : normal);
        } catch (InvalidRouteException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
        RouteOptions.Parsed parsed = RouteOptions.parse(java.util.Map.of(data.pickValue(RouteOptions.NAMES.toArray(String[]::new)),
                data.consumeRemainingAsString()));
        parsed.problems().values().forEach(problem -> assertThat(problem).isNotBlank());
    }
}

package dev.wharf.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutePathsTest {

    @ParameterizedTest(name = "prefix ''{0}'' -> ''{1}''")
    @CsvSource(delimiter = '|', value = {
            "/api        | /api",
            "/api/       | /api",
            "' /api/v1 ' | /api/v1",
            "/           | ''",
            "''          | ''",
            "/a:b@c~d    | /a:b@c~d",
    })
    void normalisesPrefixes(String value, String expected) {
        assertThat(RoutePaths.prefix(value)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "prefix ''{0}'' refused: {1}")
    @CsvSource(delimiter = '|', value = {
            "api        | must start with /",
            "/a//b      | empty, '.' or '..' segment",
            "/a/../b    | empty, '.' or '..' segment",
            "/a/./b     | empty, '.' or '..' segment",
            "/a%2fb     | not allowed",
            "/a b       | not allowed",
            "/a?b       | not allowed",
            "/a#b       | not allowed",
    })
    void refusesBadPrefixes(String value, String problem) {
        assertThatThrownBy(() -> RoutePaths.prefix(value)).isInstanceOf(InvalidRouteException.class).hasMessageContaining(problem);
    }

    @ParameterizedTest(name = "{1} under {0}: {2}")
    @CsvSource(delimiter = '|', value = {
            "/api  | /api        | true",
            "/api  | /api/       | true",
            "/api  | /api/x/y    | true",
            "/api  | /apix       | false",
            "/api  | /ap         | false",
            "/api  | /API        | false",
            "''    | /anything   | true",
            "/a/b  | /a/b/c      | true",
            "/a/b  | /a          | false",
    })
    void coversOnSegmentBoundaries(String prefix, String path, boolean covered) {
        assertThat(RoutePaths.covers(prefix, path)).isEqualTo(covered);
    }

    @ParameterizedTest(name = "longest for {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/v1/users | /api/v1",
            "/api/v2       | /api",
            "/apiv1        | ''",
            "/             | ''",
    })
    void longestPrefixWins(String path, String expected) {
        assertThat(RoutePaths.longest(List.of("", "/api", "/api/v1"), path)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "canonical {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/x          | /api/x",
            "/%61pi/x        | /api/x",
            "/%6%31dmin      | /admin",
            "/%25616         | /%25616",
            "/x/../api       | /api",
            "/x/%2e%2e/api   | /api",
            "/./api/./x      | /api/x",
            "/api/x/..       | /api/",
            "/../../api      | /api",
            "/a%2fb          | /a%2fb",
            "/a%zzb          | /a%zzb",
            "/a%4           | /a%4",
            "//api           | /api",
            "/              | /",
    })
    void canonicalRequestPaths(String path, String expected) {
        assertThat(RoutePaths.canonical(path)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "strip {0} from {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "/api | /api       | /",
            "/api | /api/      | /",
            "/api | /api/x/y   | /x/y",
    })
    void stripsThePrefix(String prefix, String path, String expected) {
        assertThat(RoutePaths.strip(prefix, path)).isEqualTo(expected);
    }
}

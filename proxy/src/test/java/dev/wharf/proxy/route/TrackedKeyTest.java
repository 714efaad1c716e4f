package dev.wharf.proxy.route;

import dev.wharf.proxy.route.TrackedKey.Kind;
import dev.wharf.store.RouteKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TrackedKeyTest {

    private static final RouteKeys HIPACHE = new RouteKeys("");
    private static final RouteKeys PREFIXED = new RouteKeys("hip-");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // key                                   | kind         | host
            "frontend:shop.test                      | FRONTEND     | shop.test",
            "frontend:shop.test/api                  | FRONTEND     | shop.test",
            "frontend:*.shop.test                    | FRONTEND     | *.shop.test",
            "wharf:paths:shop.test                   | FRONTEND     | shop.test",
            "wharf:options:shop.test/api             | FRONTEND     | shop.test",
            "dead:shop.test                          | REQUEST_HOST | shop.test",
            "dead:shop.test/api                      | REQUEST_HOST | shop.test",
            "wharf:why:shop.test                     | REQUEST_HOST | shop.test",
            "tls:shop.test                           | CERTIFICATE  | shop.test",
            "dead:shop.test:http://10.0.0.1:80       | null         | null", // a probe's lock
            "frontend:                               | null         | null",
            "frontend:/api                           | null         | null",
            "wharf:agents                            | null         | null",
            "wharf:agent:host-1                      | null         | null",
            "wharf:acme:lock:shop.test               | null         | null",
            "healthcheck:shop.test                   | null         | null",
            "hip-frontend:shop.test                  | null         | null", // another deployment's prefix
    })
    void readsWhatAKeyStandsFor(String key, Kind kind, String host) {
        assertThat(TrackedKey.of(HIPACHE, key)).isEqualTo(kind == null ? null : new TrackedKey(kind, host));
    }

    @Test
    void honoursTheKeyPrefix() {
        assertThat(TrackedKey.of(PREFIXED, "hip-frontend:shop.test")).isEqualTo(new TrackedKey(Kind.FRONTEND, "shop.test"));
        assertThat(TrackedKey.of(PREFIXED, "frontend:shop.test")).isNull();
        assertThat(TrackedKey.prefixes(PREFIXED)).allMatch(prefix -> prefix.startsWith("hip-"));
    }

    @Test
    void tracksPrefixesThatDoNotOverlap() {
        var prefixes = TrackedKey.prefixes(HIPACHE);
        for (String a : prefixes) {
            for (String b : prefixes) {
                assertThat(a.equals(b) || !a.startsWith(b)).as(a + " under " + b).isTrue();
            }
        }
    }
}

package dev.wharf.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RouteOptionsTest {

    /** htpasswd -nbB alice secret */
    static final String ALICE = "alice:$2y$05$ohsD7Ic/KlA8iKdbQHUSKOVWeHXFzW6Z2XAzR4vBAO5wzk8W8D3Wy";

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "strip-path     | true",
            "strip-path     | FALSE",
            "https-redirect | true",
            "lb             | least-conn",
            "lb             | random",
            "lb             | round-robin",
            "sticky         | srv_id",
            "max-body       | 10m",
            "max-body       | 512k",
            "max-body       | 1048576",
            "timeout        | 30s",
            "timeout        | 500ms",
            "timeout        | 2m",
            "timeout        | 15",
            "tls            | off",
            "tls            | default",
            "allow          | 10.0.0.0/8, 192.168.1.7, 2001:db8::/32",
            "redirect       | https://example.com",
            "redirect       | https://example.com:8443/new/",
    })
    void acceptsGoodValues(String field, String value) {
        RouteOptions.Parsed parsed = RouteOptions.parse(Map.of(field, value));
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.options().fields()).containsKey(field);
    }

    @ParameterizedTest(name = "{0}={1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "strip-path     | yes                        | must be true or false",
            "lb             | fastest                    | must be one of round-robin, random, least-conn",
            "sticky         | a b                        | must be a cookie name",
            "max-body       | 10 parsecs                 | must be a size",
            "max-body       | 0                          | more than 0",
            "timeout        | soon                       | must be a duration",
            "timeout        | 2h                         | between 1ms and 1h",
            "timeout        | 0                          | between 1ms and 1h",
            "tls            | maybe                      | must be one of acme, default, off",
            "allow          | example.com                | not an IP address or CIDR",
            "allow          | 10.0.0.0/33                | prefix length outside 0 to 32",
            "allow          | ' , '                      | names no network",
            "redirect       | example.com                | must be an http:// or https:// URL",
            "redirect       | https://a.com/x?y=1        | without spaces, query or fragment",
            "redirect       | https://user@evil.com      | no user info",
            "auth           | alice:secret               | only bcrypt hashes are accepted",
            "auth           | alice:$apr1$x$y            | an MD5 hash",
            "auth           | alice:{SHA}abc=            | a SHA-1 hash",
            "auth           | alice:$2y$05$short         | in compose files, write each $ as $$",
            "auth           | nocolon                    | must be user:hash entries",
            "colour         | blue                       | is not an option",
    })
    void refusesBadValuesNamingTheProblem(String field, String value, String problem) {
        RouteOptions.Parsed parsed = RouteOptions.parse(Map.of(field, value));
        assertThat(parsed.problems()).containsOnlyKeys(field);
        assertThat(parsed.problems().get(field)).contains(problem);
        assertThat(parsed.options().fields()).doesNotContainKey(field);
    }

    @Test
    void aBadFieldLeavesTheOthersInForce() {
        RouteOptions.Parsed parsed = RouteOptions.parse(Map.of("lb", "fastest", "max-body", "1k", "auth", ALICE + ",bob:$2b$05$ohsD7Ic/KlA8iKdbQHUSKOVWeHXFzW6Z2XAzR4vBAO5wzk8W8D3Wy"));
        assertThat(parsed.problems()).containsOnlyKeys("lb");
        assertThat(parsed.options().maxBody()).isEqualTo(1024);
        assertThat(parsed.options().lb()).isEqualTo(RouteOptions.Balance.ROUND_ROBIN);
        assertThat(parsed.options().auth()).extracting(RouteOptions.User::name).containsExactly("alice", "bob");
    }

    @Test
    void parsesUnitsAndDefaults() {
        RouteOptions options = RouteOptions.parse(Map.of("timeout", "1500ms", "max-body", "2M", "redirect", "https://example.com/")).options();
        assertThat(options.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.maxBody()).isEqualTo(2 << 20);
        assertThat(options.redirect()).isEqualTo("https://example.com");
        assertThat(RouteOptions.NONE.isEmpty()).isTrue();
        assertThat(RouteOptions.NONE.maxBody()).isEqualTo(-1);
        assertThat(RouteOptions.NONE.tls()).isEqualTo(RouteOptions.Tls.ACME);
    }

    @ParameterizedTest(name = "{1} in {0}: {2}")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.0/8        | 10.200.3.4         | true",
            "10.0.0.0/8        | 11.0.0.1           | false",
            "10.1.2.3/8        | 10.9.9.9           | true",
            "192.168.1.7       | 192.168.1.7        | true",
            "192.168.1.7       | 192.168.1.8        | false",
            "192.168.1.0/25    | 192.168.1.127      | true",
            "192.168.1.0/25    | 192.168.1.128      | false",
            "0.0.0.0/0         | 8.8.8.8            | true",
            "2001:db8::/32     | 2001:db8:1::5      | true",
            "2001:db8::/32     | 2001:db9::5        | false",
            "10.0.0.0/8        | ::ffff:10.0.0.1    | true",
            "10.0.0.0/8        | 2001:db8::1        | false",
            "::1               | ::1                | true",
    })
    void cidrsMatchAddresses(String cidr, String address, boolean inside) throws Exception {
        assertThat(Cidr.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(inside);
    }
}

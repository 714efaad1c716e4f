package dev.wharf.proxy.acme;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PublicHostsTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "shop.example.com          | true",
            "a.b.c.d.example.co.uk     | true",
            "xn--bcher-kva.example     | false",   // .example is reserved (RFC 2606)
            "xn--bcher-kva.de          | true",
            "app-1.wharf-ci.net        | true",
            "example.com               | true",
            "*                         | false",
            "*.example.com             | false",
            "localhost                 | false",
            "app.localhost             | false",
            "shop.test                 | false",
            "db.internal               | false",
            "printer.local             | false",
            "nas.lan                   | false",
            "router.home.arpa          | false",
            "x.invalid                 | false",
            "10.1.2.3                  | false",
            "app.10.1.2.3              | false",   // ends in a number: an address or not a public name
            "[::1]                     | false",
            "fe80::1                   | false",
            "intranet                  | false",
            "under_score.example.com   | false",
            "-lead.example.com         | false",
            "trail-.example.com        | false",
            "double..dot.com           | false",
            "trailing.dot.com.         | false",
    })
    void ordersOnlyForPublicNames(String host, boolean orderable) {
        assertThat(PublicHosts.orderable(host)).isEqualTo(orderable);
    }

    @org.junit.jupiter.api.Test
    void refusesNamesTooLongForDns() {
        String label = "a".repeat(63);
        assertThat(PublicHosts.orderable(label + ".com")).isTrue();
        assertThat(PublicHosts.orderable("a".repeat(64) + ".com")).isFalse();
        assertThat(PublicHosts.orderable((label + ".").repeat(4) + "com")).isFalse(); // 259 characters
    }
}

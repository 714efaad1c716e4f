package dev.wharf.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LookupOrderTest {

    private final LookupOrder order = LookupOrder.withDefaults();

    /** Candidates joined with a space, as a compact table column. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "localhost                     | localhost *",
            "example.com                   | example.com *.com *",
            "a.b.example.com               | a.b.example.com *.b.example.com *.example.com *.com *",
            // Hipache looks at most 6 labels deep: the longest wildcard has 5 labels after '*.'.
            "a.b.c.d.e.f.g.h               | a.b.c.d.e.f.g.h *.d.e.f.g.h *.e.f.g.h *.f.g.h *.g.h *.h *",
            "app.10.1.2.3.nip.io           | app.10.1.2.3.nip.io app *.1.2.3.nip.io *.2.3.nip.io *.3.nip.io *.nip.io *.io *",
            "app.10-1-2-3.sslip.io         | app.10-1-2-3.sslip.io app.10.1.2.3.sslip.io app *.10-1-2-3.sslip.io *.sslip.io *.io *",
            "app.0a010203.xip.io           | app.0a010203.xip.io app.10.1.2.3.xip.io app *.0a010203.xip.io *.xip.io *.io *",
            "x.app.10.1.2.3.nip.io         | x.app.10.1.2.3.nip.io x.app *.1.2.3.nip.io *.2.3.nip.io *.3.nip.io *.nip.io *.io *",
            "10.1.2.3.nip.io               | 10.1.2.3.nip.io *.1.2.3.nip.io *.2.3.nip.io *.3.nip.io *.nip.io *.io *",
            // Not an address: 256 is no octet, 'zz' no hex, and example.com is no xip domain.
            "app.10.1.2.256.nip.io         | app.10.1.2.256.nip.io *.1.2.256.nip.io *.2.256.nip.io *.256.nip.io *.nip.io *.io *",
            "app.0a0102zz.nip.io           | app.0a0102zz.nip.io *.0a0102zz.nip.io *.nip.io *.io *",
            "app.10.1.2.3.example.com      | app.10.1.2.3.example.com *.1.2.3.example.com *.2.3.example.com *.3.example.com *.example.com *.com *",
            // An IPv6 literal has no labels to strip, even with an IPv4 tail.
            "[::ffff:10.0.0.1]             | [::ffff:10.0.0.1] *",
    })
    void ordersCandidates(String host, String expected) {
        assertThat(frontends(order.candidates(host))).isEqualTo(expected);
    }

    @Test
    void labelsEachCandidateWithItsRule() {
        assertThat(order.candidates("app.10-1-2-3.nip.io")).containsExactly(
                new Candidate("app.10-1-2-3.nip.io", LookupRule.EXACT),
                new Candidate("app.10.1.2.3.nip.io", LookupRule.XIP),
                new Candidate("app", LookupRule.XIP),
                new Candidate("*.10-1-2-3.nip.io", LookupRule.WILDCARD),
                new Candidate("*.nip.io", LookupRule.WILDCARD),
                new Candidate("*.io", LookupRule.WILDCARD),
                new Candidate("*", LookupRule.CATCH_ALL));
    }

    @Test
    void skipsADottedFormLongerThanAnyRegisteredHost() { // found by fuzzing
        String name = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(45);
        String host = name + ".ffffffff.xip.io";
        assertThat(Hosts.requestHost(host)).hasSize(Hosts.MAX_LENGTH);

        assertThat(frontends(order.candidates(host))).startsWith(host + " " + name + " *.")
                .doesNotContain("255.255.255.255");
    }

    @Test
    void usesOnlyConfiguredXipDomains() {
        LookupOrder custom = new LookupOrder(List.of("ip.example.net"));
        assertThat(frontends(custom.candidates("app.10.1.2.3.ip.example.net"))).startsWith("app.10.1.2.3.ip.example.net app ");
        assertThat(frontends(custom.candidates("app.10.1.2.3.nip.io"))).doesNotContain(" app ");
    }

    @ParameterizedTest
    @CsvSource({
            "app.10.1.2.3.nip.io,   app,    10.1.2.3",
            "app.10-1-2-3.nip.io,   app,    10.1.2.3",
            "app.c0a80001.nip.io,   app,    192.168.0.1",
            "a.b.ffffffff.xip.io,   a.b,    255.255.255.255",
            "10-0-0-1.sslip.io,     '',     10.0.0.1",
    })
    void parsesXipHosts(String host, String name, String ip) {
        XipHost xip = XipHost.parse(host, LookupOrder.DEFAULT_XIP_DOMAINS).orElseThrow();
        assertThat(xip.name()).isEqualTo(name);
        assertThat(xip.ip()).isEqualTo(ip);
    }

    private static String frontends(List<Candidate> candidates) {
        return String.join(" ", candidates.stream().map(Candidate::frontend).toList());
    }
}

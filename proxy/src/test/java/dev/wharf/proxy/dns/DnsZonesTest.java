package dev.wharf.proxy.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DnsZonesTest {

    private final DnsZones zones = new DnsZones(List.of("wharf.example.com", "x.example.org"), "203.0.113.7");

    private static String show(List<DnsZones.Record> records) {
        return records.stream().map(r -> r.type().name() + " " + r.data()).collect(Collectors.joining(", "));
    }

    /** Question name and type → response code | answers | authority. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "app.10.1.2.3.wharf.example.com      | A    | NoError(0) | A 10.1.2.3 |",
            "app.10-1-2-3.wharf.example.com      | A    | NoError(0) | A 10.1.2.3 |",
            "app.0a010203.wharf.example.com      | A    | NoError(0) | A 10.1.2.3 |",
            "10.1.2.3.wharf.example.com          | A    | NoError(0) | A 10.1.2.3 |",
            "x.y.192-168-0-1.wharf.example.com.  | A    | NoError(0) | A 192.168.0.1 |",
            "APP.10.1.2.3.WHARF.EXAMPLE.COM      | A    | NoError(0) | A 10.1.2.3 |",
            "app.wharf.example.com               | A    | NoError(0) | A 203.0.113.7 |",
            "app.10.1.2.256.wharf.example.com    | A    | NoError(0) | A 203.0.113.7 |",
            "wharf.example.com                   | A    | NoError(0) | A 203.0.113.7 |",
            "wharf.example.com                   | SOA  | NoError(0) | SOA ns.wharf.example.com hostmaster.wharf.example.com 1 3600 600 86400 60 |",
            "wharf.example.com                   | NS   | NoError(0) | NS ns.wharf.example.com |",
            "ns.wharf.example.com                | A    | NoError(0) | A 203.0.113.7 |",
            "app.10.1.2.3.wharf.example.com      | AAAA | NoError(0) | | SOA ns.wharf.example.com hostmaster.wharf.example.com 1 3600 600 86400 60",
            "app.wharf.example.com               | MX   | NoError(0) | | SOA ns.wharf.example.com hostmaster.wharf.example.com 1 3600 600 86400 60",
            "app.wharf.example.com               | NS   | NoError(0) | | SOA ns.wharf.example.com hostmaster.wharf.example.com 1 3600 600 86400 60",
            "a.1.2.3.4.x.example.org             | A    | NoError(0) | A 1.2.3.4 |",
            "example.com                         | A    | Refused(5) | |",
            "evilwharf.example.com               | A    | Refused(5) | |",
            "app.10.1.2.3.nip.io                 | A    | Refused(5) | |",
    })
    void answers(String name, String type, String code, String answers, String authority) {
        DnsZones.Answer answer = zones.answer(name.trim(), DnsRecordType.valueOf(type.trim()));
        assertThat(answer.code().toString()).isEqualTo(code);
        assertThat(show(answer.answers())).isEqualTo(answers == null ? "" : answers);
        assertThat(show(answer.authority())).isEqualTo(authority == null ? "" : authority);
    }

    @Test
    void aLongNameDoesNotFitAClassicUdpAnswer() {
        String longName = ("a".repeat(55) + ".").repeat(4) + "10.1.2.3.wharf.example.com"; // 250 characters
        DnsZones.Answer answer = zones.answer(longName, DnsRecordType.A);
        assertThat(DnsQueryHandler.wireSize(longName, answer)).isGreaterThan(512);
        assertThat(DnsQueryHandler.wireSize("app.wharf.example.com", zones.answer("app.wharf.example.com", DnsRecordType.A)))
                .isEqualTo(12 + 23 + 4 + 23 + 10 + 4);
    }

    @Test
    void refusesABadAddressOrZone() {
        assertThatThrownBy(() -> new DnsZones(List.of("wharf.example.com"), "10.1.2")).hasMessageContaining("'10.1.2' is not an IPv4 address");
        assertThatThrownBy(() -> new DnsZones(List.of("bad zone"), "10.1.2.3")).hasMessageContaining("bad zone");
    }
}

package dev.wharf.proxy.dns;

import dev.wharf.route.Hosts;
import dev.wharf.route.XipHost;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the proxy answers for a DNS question (SPEC §8), without any I/O: {@code <name>.<ip>.<zone>} with the
 * address dotted, dashed or in 8 hex digits is an A record of that address (parsed by {@link XipHost}, as
 * routing does), any other name under a zone is an A record of the host's address, the apex also has SOA
 * and NS ({@code ns.<zone>}, itself under the zone), other types get no data (NOERROR with the SOA, RFC 2308),
 * and every name outside the zones is REFUSED.
 */
public final class DnsZones {

    /** Answers may be cached for a minute: an xip name never changes, the host's address rarely does. */
    static final long TTL = 60;

    /** One resource record of an answer; {@code data} is an IPv4 address, a name, or an SOA's fields. */
    public record Record(String name, DnsRecordType type, long ttl, String data) {
    }

    /** The response to one question. */
    public record Answer(DnsResponseCode code, List<Record> answers, List<Record> authority) {
        static Answer refused() {
            return new Answer(DnsResponseCode.REFUSED, List.of(), List.of());
        }
    }

    private final List<String> zones;
    private final String hostIp;

    /** {@code zones}: frontend-style names (lower case, no trailing dot); {@code hostIp}: an IPv4 address. */
    public DnsZones(List<String> zones, String hostIp) {
        this.zones = zones.stream().map(Hosts::frontendHost)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList(); // the most specific first
        this.hostIp = requireIpv4(hostIp);
    }

    public List<String> zones() {
        return zones;
    }

    public Answer answer(String questionName, DnsRecordType type) {
        String name = questionName.toLowerCase(Locale.ROOT);
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        Optional<String> zone = zoneOf(name);
        if (zone.isEmpty()) {
            return Answer.refused();
        }
        Record soa = soa(zone.get());
        List<Record> answers = new ArrayList<>();
        boolean apex = name.equals(zone.get());
        if (type == DnsRecordType.A || type == DnsRecordType.ANY) {
            answers.add(new Record(name, DnsRecordType.A, TTL, addressOf(name, zone.get())));
        }
        if (apex && (type == DnsRecordType.SOA || type == DnsRecordType.ANY)) {
            answers.add(soa);
        }
        if (apex && (type == DnsRecordType.NS || type == DnsRecordType.ANY)) {
            answers.add(new Record(name, DnsRecordType.NS, TTL, "ns." + zone.get()));
        }
        return new Answer(DnsResponseCode.NOERROR, answers, answers.isEmpty() ? List.of(soa) : List.of());
    }

    private Optional<String> zoneOf(String name) {
        for (String zone : zones) {
            if (name.equals(zone) || name.endsWith("." + zone)) {
                return Optional.of(zone);
            }
        }
        return Optional.empty();
    }

    private String addressOf(String name, String zone) {
        return XipHost.parse(name, List.of(zone)).map(XipHost::ip).orElse(hostIp);
    }

    /** Primary {@code ns.<zone>}, mailbox {@code hostmaster.<zone>}, serial 1, refresh, retry, expire, minimum. */
    private static Record soa(String zone) {
        return new Record(zone, DnsRecordType.SOA, TTL, "ns." + zone + " hostmaster." + zone + " 1 3600 600 86400 " + TTL);
    }

    public static String requireIpv4(String ip) {
        String[] octets = ip == null ? new String[0] : ip.split("\\.", -1);
        boolean valid = octets.length == 4;
        for (int i = 0; valid && i < 4; i++) {
            valid = octets[i].matches("\\d{1,3}") && Integer.parseInt(octets[i]) <= 255;
        }
        if (!valid) {
            throw new IllegalArgumentException("'" + ip + "' is not an IPv4 address");
        }
        return ip;
    }
}

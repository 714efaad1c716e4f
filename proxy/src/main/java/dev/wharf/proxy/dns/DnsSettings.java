package dev.wharf.proxy.dns;

import java.util.List;

/**
 * The DNS listener's settings (SPEC §8).
 *
 * @param port  UDP and TCP port; 0 = no DNS listener
 * @param zones the zones answered for; each is also a xip domain for routing
 * @param ip    the address every name under a zone resolves to unless it carries one (the host's)
 */
public record DnsSettings(int port, List<String> zones, String ip) {

    public static final DnsSettings OFF = new DnsSettings(0, List.of(), null);

    public DnsSettings {
        zones = List.copyOf(zones);
    }

    public boolean enabled() {
        return port > 0;
    }
}

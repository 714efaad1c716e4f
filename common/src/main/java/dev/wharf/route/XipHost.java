package dev.wharf.route;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A xip.io-style host {@code <name>.<ip>.<suffix>}, the IPv4 address written dotted ({@code 10.1.2.3}),
 * dashed ({@code 10-1-2-3}) or as 8 hex digits ({@code 0a010203}).
 *
 * @param name   the part before the address, e.g. {@code app}; empty for a bare {@code 10.1.2.3.nip.io}
 * @param ip     the address, dotted
 * @param suffix the xip domain, e.g. {@code nip.io}
 */
public record XipHost(String name, String ip, String suffix) {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern DOTTED = Pattern.compile("(?:(.+)\\.)?" + OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);
    private static final Pattern DASHED = Pattern.compile("(?:(.+)\\.)?" + OCTET + "-" + OCTET + "-" + OCTET + "-" + OCTET);
    private static final Pattern HEX = Pattern.compile("(?:(.+)\\.)?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})");

    /** Parses a normalised host under one of the given xip domains; empty when it is not such a host. */
    public static Optional<XipHost> parse(String host, List<String> xipDomains) {
        for (String suffix : xipDomains) {
            if (host.endsWith("." + suffix)) {
                String head = host.substring(0, host.length() - suffix.length() - 1);
                Optional<XipHost> xip = parseHead(head, suffix);
                if (xip.isPresent()) {
                    return xip;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<XipHost> parseHead(String head, String suffix) {
        Matcher m;
        if ((m = DOTTED.matcher(head)).matches() || (m = DASHED.matcher(head)).matches()) {
            return Optional.of(new XipHost(nameOf(m), m.group(2) + "." + m.group(3) + "." + m.group(4) + "." + m.group(5), suffix));
        }
        if ((m = HEX.matcher(head)).matches()) {
            StringBuilder ip = new StringBuilder();
            for (int i = 2; i <= 5; i++) {
                ip.append(i > 2 ? "." : "").append(Integer.parseInt(m.group(i), 16));
            }
            return Optional.of(new XipHost(nameOf(m), ip.toString(), suffix));
        }
        return Optional.empty();
    }

    private static String nameOf(Matcher m) {
        return m.group(1) == null ? "" : m.group(1);
    }

    /** The same host with the address written dotted, e.g. {@code app.10.1.2.3.nip.io}. */
    public String dotted() {
        return (name.isEmpty() ? "" : name + ".") + ip + "." + suffix;
    }
}

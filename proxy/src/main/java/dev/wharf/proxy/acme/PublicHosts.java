package dev.wharf.proxy.acme;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which routed hosts a public CA can issue a certificate for (SPEC §7): exact DNS names under a public suffix.
 * Not the catch-all or wildcards (HTTP-01 cannot prove them), not IP literals, and not names reserved for
 * private use (RFC 2606, 6761, 6762, 8375, 9476) — an order for those only burns the per-host failure budget.
 */
public final class PublicHosts {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final List<String> PRIVATE_SUFFIXES = List.of(".localhost", ".test", ".internal", ".local",
            ".invalid", ".example", ".home.arpa", ".alt", ".onion", ".lan");

    private PublicHosts() {
    }

    /** True for a lower-case host name a public CA may be asked to certify. */
    public static boolean orderable(String host) {
        if (host == null || host.length() > 253 || host.equals("localhost")) {
            return false;
        }
        String dotted = "." + host;
        if (PRIVATE_SUFFIXES.stream().anyMatch(dotted::endsWith)) {
            return false;
        }
        String[] labels = host.split("\\.", -1);
        if (labels.length < 2) {
            return false; // a single label is never public
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false; // also '*', '_' and empty labels
            }
        }
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit); // 10.1.2.3 is an address
    }
}

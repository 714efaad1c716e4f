package dev.wharf.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frontends to try for a request host, in order (SPEC §3): exact; xip-style (normalised dotted form,
 * then the bare name); Hipache wildcards {@code *.parent}, longest first; the catch-all {@code *}.
 */
public final class LookupOrder {

    public static final List<String> DEFAULT_XIP_DOMAINS = List.of("xip.io", "nip.io", "sslip.io");

    /** Hipache looks at most this many labels deep for wildcards, so a long host cannot cost many reads. */
    private static final int MAX_WILDCARD_LABELS = 6;

    private final List<String> xipDomains;

    public LookupOrder(List<String> xipDomains) {
        this.xipDomains = xipDomains.stream().map(Hosts::frontendHost).toList();
    }

    public static LookupOrder withDefaults() {
        return new LookupOrder(DEFAULT_XIP_DOMAINS);
    }

    /** Candidates for an already normalised host ({@link Hosts#requestHost}), without duplicates. */
    public List<Candidate> candidates(String host) {
        Map<String, LookupRule> ordered = new LinkedHashMap<>();
        ordered.put(host, LookupRule.EXACT);
        if (host.startsWith("[")) {
            // An IPv6 literal has no labels: "[::ffff:10.0.0.1]" is no subdomain of "*.0.1]" (found by fuzzing).
            return List.of(new Candidate(host, LookupRule.EXACT), new Candidate(Hosts.CATCH_ALL, LookupRule.CATCH_ALL));
        }
        XipHost.parse(host, xipDomains).ifPresent(xip -> {
            String dotted = xip.dotted();
            if (dotted.length() <= Hosts.MAX_LENGTH) { // hex to dotted grows by up to 7: no route can have that name
                ordered.putIfAbsent(dotted, LookupRule.XIP);
            }
            if (!xip.name().isEmpty()) {
                ordered.putIfAbsent(xip.name(), LookupRule.XIP);
            }
        });
        for (String wildcard : wildcards(host)) {
            ordered.putIfAbsent(wildcard, LookupRule.WILDCARD);
        }
        ordered.putIfAbsent(Hosts.CATCH_ALL, LookupRule.CATCH_ALL);

        List<Candidate> candidates = new ArrayList<>(ordered.size());
        ordered.forEach((frontend, rule) -> candidates.add(new Candidate(frontend, rule)));
        return candidates;
    }

    private static List<String> wildcards(String host) {
        List<String> labels = Arrays.asList(host.split("\\."));
        int from = Math.max(1, labels.size() - MAX_WILDCARD_LABELS + 1);
        List<String> wildcards = new ArrayList<>();
        for (int i = from; i < labels.size(); i++) {
            wildcards.add(Hosts.WILDCARD_PREFIX + String.join(".", labels.subList(i, labels.size())));
        }
        return wildcards;
    }
}

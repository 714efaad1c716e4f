package dev.wharf.route;

/** One {@code frontend:} key to try for a request host, and the rule that proposed it. */
public record Candidate(String frontend, LookupRule rule) {
}

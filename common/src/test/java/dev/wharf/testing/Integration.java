package dev.wharf.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What an integration test does when a real dependency (Redis, Docker) is missing: skip with a clear message
 * on a laptop, but fail where {@code WHARF_REQUIRE_INTEGRATION=true} says it must be there (CI sets it), so
 * that a green build never hides tests that did not run.
 */
public final class Integration {

    public static final String REQUIRE_ENV = "WHARF_REQUIRE_INTEGRATION";

    private Integration() {
    }

    public static boolean required() {
        return Boolean.parseBoolean(System.getenv(REQUIRE_ENV));
    }

    /** Skips the calling test, or fails it when integration tests are required; never returns. */
    public static RuntimeException unavailable(String what) {
        String message = what + " is not available";
        if (required()) {
            Assertions.fail(message + ", and " + REQUIRE_ENV + "=true requires it");
        }
        Assumptions.abort(message + ": skipping (set " + REQUIRE_ENV + "=true to make this a failure)");
        return new IllegalStateException("unreachable");
    }
}

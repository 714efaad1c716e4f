package dev.wharf.proxy.acme;

import dev.wharf.store.CertificateStore.Failures;

import java.time.Duration;
import java.time.Instant;

/** When to renew a certificate and when to order again after failures: pure, so tested with tables. */
public final class OrderSchedule {

    /** Orders a host may fail in a day before it waits for that day to end (Let's Encrypt allows 5 an hour). */
    public static final int FAILURES_PER_DAY = 5;
    private static final Duration LONGEST_WAIT = Duration.ofHours(6);

    private OrderSchedule() {
    }

    /** Two thirds into the certificate's lifetime. */
    public static Instant renewal(Instant notBefore, Instant notAfter) {
        return notBefore.plus(Duration.between(notBefore, notAfter).multipliedBy(2).dividedBy(3));
    }

    /**
     * The failures after one more: the wait doubles from {@code retryAfter} (at most 6 h), and after
     * {@link #FAILURES_PER_DAY} it lasts until a day after the first failure.
     */
    public static Failures afterFailure(Failures before, Instant now, String problem, Duration retryAfter) {
        long first = before.count() == 0 ? now.toEpochMilli() : before.first();
        int count = before.count() + 1;
        Duration wait = retryAfter.multipliedBy(1L << Math.min(count - 1, 20));
        long next = now.plus(wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait).toEpochMilli();
        if (count >= FAILURES_PER_DAY) {
            next = Math.max(next, first + Duration.ofDays(1).toMillis());
        }
        return new Failures(count, first, next, problem);
    }
}

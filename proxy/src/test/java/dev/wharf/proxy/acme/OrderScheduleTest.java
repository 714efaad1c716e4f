package dev.wharf.proxy.acme;

import dev.wharf.store.CertificateStore.Failures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class OrderScheduleTest {

    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

    @ParameterizedTest(name = "{0} days → renew after {1} h")
    @CsvSource({
            "90, 1440",   // Let's Encrypt's 90 days: day 60
            "6, 96",      // short-lived 6-day certificates: day 4
            "1, 16",
    })
    void renewsTwoThirdsIntoTheLifetime(int days, int hours) {
        assertThat(OrderSchedule.renewal(T0, T0.plus(Duration.ofDays(days)))).isEqualTo(T0.plus(Duration.ofHours(hours)));
    }

    @ParameterizedTest(name = "failure {0} → wait {1} s")
    @CsvSource({
            "1, 60",
            "2, 120",
            "3, 240",
            "4, 480",
    })
    void theWaitDoublesFromTheFirst(int failure, long waitSeconds) {
        Failures failures = Failures.NONE;
        Instant now = T0;
        for (int i = 1; i <= failure; i++) {
            now = i == 1 ? T0 : Instant.ofEpochMilli(failures.next());
            failures = OrderSchedule.afterFailure(failures, now, "problem " + i, Duration.ofSeconds(60));
        }
        assertThat(failures.count()).isEqualTo(failure);
        assertThat(failures.first()).isEqualTo(T0.toEpochMilli());
        assertThat(failures.problem()).isEqualTo("problem " + failure);
        assertThat(Duration.ofMillis(failures.next() - now.toEpochMilli())).isEqualTo(Duration.ofSeconds(waitSeconds));
    }

    @Test
    void theWaitIsAtMostSixHours() {
        Failures third = new Failures(2, T0.toEpochMilli(), 0, "");
        Failures after = OrderSchedule.afterFailure(third, T0, "p", Duration.ofHours(5));
        assertThat(Duration.ofMillis(after.next() - T0.toEpochMilli())).isEqualTo(Duration.ofHours(6));
    }

    @Test
    void theFifthFailureOfADayWaitsForTheDayToEnd() {
        Instant fifth = T0.plus(Duration.ofMinutes(20));
        Failures after = OrderSchedule.afterFailure(new Failures(4, T0.toEpochMilli(), 0, ""), fifth, "p",
                Duration.ofSeconds(60));
        assertThat(after.count()).isEqualTo(OrderSchedule.FAILURES_PER_DAY);
        assertThat(Instant.ofEpochMilli(after.next())).isEqualTo(T0.plus(Duration.ofDays(1)));
    }
}

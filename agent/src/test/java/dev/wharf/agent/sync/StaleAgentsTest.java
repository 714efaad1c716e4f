package dev.wharf.agent.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StaleAgentsTest {

    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    private static double secondsAgo(long seconds) {
        return NOW.minusSeconds(seconds).getEpochSecond();
    }

    @Test
    void anAgentIsStaleOnlyPastTheLimitAndNeverItself() {
        Map<String, Double> heartbeats = Map.of(
                "fresh", secondsAgo(30),
                "at-the-limit", secondsAgo(600),
                "gone", secondsAgo(601),
                "long-gone", secondsAgo(86_400),
                "me", secondsAgo(99_999));
        assertThat(StaleAgents.stale(heartbeats, NOW, Duration.ofMinutes(10), "me")).containsExactly("gone", "long-gone");
        assertThat(StaleAgents.stale(Map.of(), NOW, Duration.ofMinutes(10), "me")).isEmpty();
    }
}

package dev.wharf.agent;

import java.time.Duration;

/** Capped exponential backoff: 250 ms, 500 ms, 1 s ... up to the cap; reset after a success. */
final class Backoff {

    private final Duration first;
    private final Duration max;
    private Duration next;

    Backoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
        this.next = first;
    }

    synchronized Duration next() {
        Duration current = next;
        next = next.multipliedBy(2).compareTo(max) > 0 ? max : next.multipliedBy(2);
        return current;
    }

    synchronized void reset() {
        next = first;
    }
}

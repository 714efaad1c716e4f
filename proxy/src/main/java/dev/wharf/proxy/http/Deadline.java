package dev.wharf.proxy.http;

import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * A timeout that is re-armed on every request without scheduling and cancelling a task each time (which
 * costs more than the request itself at high rates): arming only moves the deadline; one task checks it,
 * and schedules itself again for the rest when it wakes up early. Event-loop confined.
 */
final class Deadline {

    private final EventExecutor loop;
    private final Runnable onExpiry;
    private long deadlineNanos;
    private boolean scheduled;

    Deadline(EventExecutor loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
    }

    void arm(long timeoutNanos) {
        deadlineNanos = System.nanoTime() + timeoutNanos;
        if (!scheduled) {
            scheduled = true;
            loop.schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    void disarm() {
        deadlineNanos = 0;
    }

    private void check() {
        scheduled = false;
        if (deadlineNanos == 0) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            scheduled = true;
            loop.schedule(this::check, left, TimeUnit.NANOSECONDS);
        } else {
            deadlineNanos = 0;
            onExpiry.run();
        }
    }
}

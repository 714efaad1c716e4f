package dev.wharf.proxy.http;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;

import java.util.concurrent.TimeUnit;

/**
 * A timeout that is re-armed on every request without scheduling and cancelling a task each time (which
 * costs more than the request itself at high rates): arming only moves the deadline; one task checks it,
 * and schedules itself again for the rest when it wakes up early. Event-loop confined. Time is the loop's
 * own clock, which tests move forward ({@code EmbeddedChannel.advanceTimeBy}).
 */
final class Deadline {

    private final EventExecutor loop;
    private final Runnable onExpiry;
    private final Ticker ticker;
    private long deadlineNanos;
    private boolean scheduled;

    Deadline(EventExecutor loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
        this.ticker = loop instanceof AbstractScheduledEventExecutor scheduled ? scheduled.ticker() : Ticker.systemTicker();
    }

    void arm(long timeoutNanos) {
        deadlineNanos = ticker.nanoTime() + timeoutNanos;
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
        long left = deadlineNanos - ticker.nanoTime();
        if (left > 0) {
            scheduled = true;
            loop.schedule(this::check, left, TimeUnit.NANOSECONDS);
        } else {
            deadlineNanos = 0;
            onExpiry.run();
        }
    }
}

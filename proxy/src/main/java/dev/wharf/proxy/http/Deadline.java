package dev.wharf.proxy.http;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;

import io.netty.util.concurrent.ScheduledFuture;

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
    /** When the pending check wakes up; a check that wakes at another time was superseded by an earlier one. */
    private long wakeNanos;
    private ScheduledFuture<?> pending;

    Deadline(EventExecutor loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
        this.ticker = loop instanceof AbstractScheduledEventExecutor scheduled ? scheduled.ticker() : Ticker.systemTicker();
    }

    /** Moves the deadline; schedules a check only when none is pending or the pending one would wake too late. */
    void arm(long timeoutNanos) {
        deadlineNanos = ticker.nanoTime() + timeoutNanos;
        if (!scheduled || deadlineNanos - wakeNanos < 0) {
            checkAt(deadlineNanos); // a shorter timeout than the last one (a route's own) must not wait for it
        }
    }

    /**
     * Like {@link #arm}, but never moves an armed deadline later: for one deadline standing for many (the
     * earliest of an HTTP/2 connection's stream timers).
     */
    void armBy(long timeoutNanos) {
        long at = ticker.nanoTime() + timeoutNanos;
        if (deadlineNanos == 0 || at - deadlineNanos < 0) {
            arm(timeoutNanos);
        }
    }

    /** The loop's clock, which deadlines are measured on. */
    long now() {
        return ticker.nanoTime();
    }

    void disarm() {
        deadlineNanos = 0;
    }

    /**
     * Disarms it for good and takes the pending check off the loop's queue: an HTTP/2 stream lives far shorter
     * than its timeouts, and thousands of streams a second would otherwise leave as many checks waiting.
     */
    void cancel() {
        deadlineNanos = 0;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        scheduled = false;
        wakeNanos = 0;
    }

    private void checkAt(long wake) {
        scheduled = true;
        wakeNanos = wake;
        pending = loop.schedule(() -> check(wake), wake - ticker.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void check(long wake) {
        if (wake != wakeNanos) {
            return;
        }
        scheduled = false;
        if (deadlineNanos == 0) {
            return;
        }
        if (deadlineNanos - ticker.nanoTime() > 0) {
            checkAt(deadlineNanos);
        } else {
            deadlineNanos = 0;
            onExpiry.run();
        }
    }
}

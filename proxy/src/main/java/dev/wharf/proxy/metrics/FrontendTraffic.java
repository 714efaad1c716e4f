package dev.wharf.proxy.metrics;

import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The requests one route answered, by status class (the Prometheus counters), and their durations in a few
 * power-of-two buckets: cheap enough to keep for every route, and a reader who takes two snapshots gets the
 * rate and the tail of the interval between them (the dashboard does, every few seconds).
 */
public final class FrontendTraffic {

    /** Upper bound of each bucket in microseconds: 250 µs, 500 µs, ... about 65 s; the last one is open. */
    public static final long[] BUCKET_MICROS = bounds();

    private final Counter[] byClass;
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKET_MICROS.length + 1);

    FrontendTraffic(Counter[] byClass) {
        this.byClass = byClass;
    }

    private static long[] bounds() {
        long[] bounds = new long[19];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = 250L << i;
        }
        return bounds;
    }

    void record(int status, long nanos) {
        int index = status / 100 - 1;
        if (index >= 0 && index < byClass.length) {
            byClass[index].increment();
        }
        long micros = nanos / 1000;
        int bucket = micros < BUCKET_MICROS[0] ? 0 : 64 - Long.numberOfLeadingZeros(micros / BUCKET_MICROS[0]);
        buckets.incrementAndGet(Math.min(bucket, BUCKET_MICROS.length));
    }

    /** Requests answered with 1xx, 2xx, 3xx, 4xx and 5xx statuses, in that order. */
    public long[] byStatusClass() {
        long[] counts = new long[byClass.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (long) byClass[i].count();
        }
        return counts;
    }

    /** Requests per duration bucket ({@link #BUCKET_MICROS}, then the open one). */
    public long[] durationBuckets() {
        long[] counts = new long[buckets.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.get(i);
        }
        return counts;
    }
}

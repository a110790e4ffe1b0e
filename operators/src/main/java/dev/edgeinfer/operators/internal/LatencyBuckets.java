package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;

import java.util.Arrays;

/**
 * A fixed-size, allocation-free histogram of non-negative values (model-call latencies in µs) for
 * the heartbeats' quantiles: log-linear buckets, 8 per power of two, so a reported quantile is
 * within 1/16 of the true value (the bucket's midpoint; values below 8 are exact).
 *
 * <pre>{@code
 * LatencyBuckets b = new LatencyBuckets();
 * b.record(took / 1000);
 * long p99 = b.quantile(0.99);
 * b.reset();
 * }</pre>
 */
@Internal
final class LatencyBuckets {

    private static final int SUB_BITS = 3;
    private static final int SUB = 1 << SUB_BITS;
    private final long[] counts = new long[(64 - SUB_BITS + 1) * SUB];
    private long total;

    void record(long value) {
        counts[index(Math.max(0, value))]++;
        total++;
    }

    long count() {
        return total;
    }

    /** The value at quantile {@code q} in (0, 1], or {@code null} when nothing was recorded. */
    Long quantile(double q) {
        if (total == 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return value(i);
            }
        }
        return value(counts.length - 1);
    }

    void reset() {
        Arrays.fill(counts, 0);
        total = 0;
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        int sub = (int) (v >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The midpoint of bucket {@code i} (the value itself below 8). */
    static long value(int i) {
        if (i < SUB) {
            return i;
        }
        int exponent = i / SUB + SUB_BITS - 1;
        long width = 1L << (exponent - SUB_BITS);
        long lower = (long) (SUB + i % SUB) << (exponent - SUB_BITS);
        return lower + width / 2;
    }
}

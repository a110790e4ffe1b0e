package dev.edgeinfer.cli.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The pure arithmetic of the benchmark: percentiles, time buckets, drain rates, ratios. */
public final class BenchMath {

    /** Latencies above this are clamped (they would mean the run is broken anyway). */
    static final long MAX_TRACKABLE_MICROS = TimeUnit.MINUTES.toMicros(10);

    private BenchMath() {}

    /**
     * Percentiles of a set of latencies, milliseconds (2 decimals).
     *
     * @param count samples behind the numbers (0: all numbers are 0)
     */
    public record Stats(long count, double p50, double p99, double p999, double max) {
        static final Stats EMPTY = new Stats(0, 0, 0, 0, 0);
    }

    /** One time bucket of the latency-over-time chart. */
    public record Bucket(double startSeconds, long count, double p50, double p99, double max) {}

    /** Percentiles of the samples {@code include} accepts. */
    public static Stats stats(List<LatencySample> samples, Predicate<LatencySample> include) {
        Histogram h = histogram();
        for (LatencySample s : samples) {
            if (include.test(s)) {
                record(h, s.latencyMicros());
            }
        }
        return stats(h);
    }

    /** Percentiles of a histogram of microseconds. */
    public static Stats stats(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Stats.EMPTY;
        }
        return new Stats(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    /**
     * Groups samples by intended send time into buckets of {@code bucketMicros} (bucket {@code i}
     * covers {@code [i*b, (i+1)*b)} after the phase start) and gives each bucket's percentiles.
     * Empty buckets between the first and the last are kept (count 0) so gaps stay visible.
     */
    public static List<Bucket> buckets(List<LatencySample> samples, long bucketMicros) {
        if (bucketMicros <= 0) {
            throw new IllegalArgumentException("bucket width must be positive, got " + bucketMicros);
        }
        List<Bucket> out = new ArrayList<>();
        if (samples.isEmpty()) {
            return out;
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (LatencySample s : samples) {
            long b = Math.floorDiv(s.offsetMicros(), bucketMicros);
            first = Math.min(first, b);
            last = Math.max(last, b);
        }
        Histogram[] histograms = new Histogram[(int) (last - first + 1)];
        for (LatencySample s : samples) {
            int i = (int) (Math.floorDiv(s.offsetMicros(), bucketMicros) - first);
            if (histograms[i] == null) {
                histograms[i] = histogram();
            }
            record(histograms[i], s.latencyMicros());
        }
        for (int i = 0; i < histograms.length; i++) {
            double start = (first + i) * bucketMicros / 1e6;
            Stats st = histograms[i] == null ? Stats.EMPTY : stats(histograms[i]);
            out.add(new Bucket(start, st.count(), st.p50(), st.p99(), st.max()));
        }
        return out;
    }

    /**
     * Sustained drain rate of a backlog, per second: the outputs between the {@code from} and
     * {@code to} fractions of {@code expected} (e.g. 0.1 and 0.9) divided by the time between
     * them, so start-up (job scheduling, first fetches, JIT) and the tail are left out. With
     * fewer outputs than {@code to * expected}, the newest output ends the interval.
     *
     * @param arrivalNanos when each output became readable, any order
     * @return 0 when fewer than two outputs fall into the interval
     */
    public static double drainRate(long[] arrivalNanos, long expected, double from, double to) {
        if (!(from >= 0 && from < to && to <= 1)) {
            throw new IllegalArgumentException("need 0 <= from < to <= 1, got " + from + ", " + to);
        }
        long[] sorted = arrivalNanos.clone();
        Arrays.sort(sorted);
        int lo = (int) Math.min(sorted.length - 1L, Math.round(from * expected));
        int hi = (int) Math.min(sorted.length - 1L, Math.round(to * expected) - 1);
        if (lo < 0 || hi <= lo) {
            return 0;
        }
        long nanos = sorted[hi] - sorted[lo];
        return nanos <= 0 ? 0 : (hi - lo) * 1e9 / nanos;
    }

    /** {@code a / b}, rounded to 3 decimals; 0 when {@code b} is not positive (no basis). */
    public static double ratio(double a, double b) {
        return b > 0 ? Math.round(a / b * 1000.0) / 1000.0 : 0;
    }

    /** Microseconds to milliseconds, 2 decimals. */
    public static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    static Histogram histogram() {
        return new Histogram(MAX_TRACKABLE_MICROS, 3);
    }

    static void record(Histogram h, long micros) {
        h.recordValue(Math.max(0, Math.min(micros, MAX_TRACKABLE_MICROS)));
    }
}

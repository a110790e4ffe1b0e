package dev.edgeinfer.cli.demo;

import org.HdrHistogram.Histogram;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end latencies kept with the wall time their input was produced, so that a run's report
 * can show its start (cold JIT, first metadata fetches, first model calls) and its steady state
 * side by side with the whole run, never one hiding the other. Not thread-safe: the owner locks.
 */
final class LatencyByProductionTime {

    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(5);

    private long[] producedAtMs = new long[1024];
    private long[] latencyMicros = new long[1024];
    private int size;

    void record(long producedAtMs, long latencyMicros) {
        if (size == this.producedAtMs.length) {
            this.producedAtMs = Arrays.copyOf(this.producedAtMs, size * 2);
            this.latencyMicros = Arrays.copyOf(this.latencyMicros, size * 2);
        }
        this.producedAtMs[size] = producedAtMs;
        this.latencyMicros[size++] = latencyMicros;
    }

    void clear() {
        size = 0;
    }

    /** Latencies (µs) of the inputs produced in {@code [fromMs, toMs)}. */
    Histogram producedIn(long fromMs, long toMs) {
        Histogram window = new Histogram(HIGHEST_MICROS, 3);
        for (int i = 0; i < size; i++) {
            if (producedAtMs[i] >= fromMs && producedAtMs[i] < toMs) {
                window.recordValue(Math.min(latencyMicros[i], HIGHEST_MICROS));
            }
        }
        return window;
    }
}

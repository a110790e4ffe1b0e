package dev.edgeinfer.optimize;

import java.util.Arrays;

/**
 * Bare ONNX Runtime latency of one model on this machine: one intra-op thread, batch 1, a warm-up
 * first, then timed runs on one reused input.
 *
 * <pre>{@code
 * Latency l = Latency.measure(modelBytes, sample, 20, 200);
 * l.p50Ms(); l.throughputPerSecond();
 * }</pre>
 *
 * @param p50Ms median run time
 * @param p99Ms 99th percentile run time
 * @param throughputPerSecond runs per second over the timed runs
 * @param runs timed runs
 */
public record Latency(double p50Ms, double p99Ms, double throughputPerSecond, int runs) {

    /** Loads {@code model} with one intra-op thread and times it. */
    public static Latency measure(byte[] model, float[] sample, int warmup, int iterations) {
        if (iterations < 1) {
            throw new OptimizationException("need at least one timed run, got " + iterations);
        }
        try (OrtModel m = OrtModel.load(model, 1)) {
            long[] nanos = m.time(sample, warmup, iterations);
            long total = Arrays.stream(nanos).sum();
            Arrays.sort(nanos);
            return new Latency(
                    nanos[(nanos.length - 1) / 2] / 1e6,
                    nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6,
                    nanos.length / (total / 1e9),
                    nanos.length);
        }
    }
}

package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The hardware's limit: {@code threads} threads, each with its own {@link OnnxModelRunner} (one
 * ONNX Runtime session, like one pipeline subtask) and the pipeline's own translator (made for the
 * model's release, metadata included, as the operator makes it), predicting
 * the same batch in a tight loop. Nothing else of the bench runs meanwhile.
 */
public final class BareOrtBench {

    /**
     * @param throughput inferences per second, all threads together
     * @param batchMicros time per {@code predict} call (one batch), all threads
     * @param batchNanos the same times as a histogram, to merge runs
     */
    public record Result(double throughput, long inferences, double seconds, BenchMath.Stats batchMicros, Histogram batchNanos) {

        /**
         * Two runs of the same loop as one: inferences over the seconds of both (each run
         * weighs by its length), batch times merged. A noisy machine moves one run's figure
         * by tens of percent; a baseline taken before and after what it is compared with
         * brackets that drift.
         */
        public Result and(Result other) {
            Histogram merged = batchNanos.copy();
            merged.add(other.batchNanos);
            double totalSeconds = seconds + other.seconds;
            long total = inferences + other.inferences;
            return new Result(totalSeconds > 0 ? total / totalSeconds : 0, total, totalSeconds, stats(merged), merged);
        }
    }

    private BareOrtBench() {}

    public static <IN, P> Result run(BenchScenario<IN, P> scenario, BenchScenario.ServedModel model,
            OnnxRunnerOptions options, int threads, int batchSize, Duration warmup, Duration measure, PrintStream out)
            throws Exception {
        ModelAdapter<IN, P> adapter = scenario.adapter();
        // The translator is made for the model's release, as the versioned operator makes it (an
        // image classifier reads its normalisation and labels from the release's metadata).
        ModelRelease release = ReleaseFactory.fromFile(model.id().name(), model.id().version(), model.file(), 0L, 100,
                "edgeinfer-bench", 0L, model.metadata());
        AtomicLong inferences = new AtomicLong();
        AtomicLong progress = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Histogram batchTimes = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        CountDownLatch loaded = new CountDownLatch(threads);
        long[] window = new long[2];
        Object lock = new Object();
        List<Thread> workers = new ArrayList<>();
        // Measurement starts once every runner is loaded and warmed up.
        final long[] measureStart = {Long.MAX_VALUE};
        final long[] measureEnd = {Long.MAX_VALUE};
        for (int t = 0; t < threads; t++) {
            List<IN> batch = scenario.bareOrtBatch(batchSize, 7 + t);
            Thread worker = new Thread(() -> {
                try (OnnxModelRunner<IN, P> runner = OnnxModelRunner.load(
                        model.id(), model.file(), adapter.newTranslator(release), options, adapter.warmupBatch())) {
                    loaded.countDown();
                    loaded.await();
                    Histogram local = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
                    long counted = 0;
                    while (true) {
                        long before = System.nanoTime();
                        List<P> predictions = runner.predict(batch);
                        long after = System.nanoTime();
                        if (predictions.size() != batch.size()) {
                            throw new IllegalStateException(predictions.size() + " predictions for " + batch.size() + " inputs");
                        }
                        long start;
                        long end;
                        synchronized (lock) {
                            start = measureStart[0];
                            end = measureEnd[0];
                        }
                        if (after >= end) {
                            break;
                        }
                        if (before >= start) {
                            counted += batch.size();
                            progress.addAndGet(batch.size());
                            local.recordValue(Math.min(after - before, local.getHighestTrackableValue()));
                        }
                    }
                    inferences.addAndGet(counted);
                    synchronized (batchTimes) {
                        batchTimes.add(local);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    loaded.countDown();
                }
            }, "bench-bare-ort-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        if (!loaded.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("bare ONNX Runtime: runners did not load within 5 minutes");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("bare ONNX Runtime failed: " + failure.get().getMessage(), failure.get());
        }
        long start = System.nanoTime() + warmup.toNanos();
        long end = start + measure.toNanos();
        synchronized (lock) {
            measureStart[0] = start;
            measureEnd[0] = end;
        }
        window[0] = start;
        window[1] = end;
        long lastCount = 0;
        long lastTime = start;
        while (System.nanoTime() < end) {
            long left = end - System.nanoTime();
            Thread.sleep(Math.max(1, Math.min(2_000, TimeUnit.NANOSECONDS.toMillis(left))));
            long now = System.nanoTime();
            if (now > start && now < end && now - lastTime > TimeUnit.MILLISECONDS.toNanos(500)) {
                long count = progress.get();
                out.printf(Locale.ROOT, "      bare ORT  t=%4.1fs  %,12.0f %s/s%n", (now - start) / 1e9,
                        (count - lastCount) * 1e9 / Math.max(1, now - lastTime), scenario.unit());
                lastCount = count;
                lastTime = now;
            }
        }
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(1));
        }
        if (failure.get() != null) {
            throw new IllegalStateException("bare ONNX Runtime failed: " + failure.get().getMessage(), failure.get());
        }
        double seconds = (window[1] - window[0]) / 1e9;
        return new Result(inferences.get() / seconds, inferences.get(), seconds, stats(batchTimes), batchTimes);
    }

    private static BenchMath.Stats stats(Histogram batchTimes) {
        return batchTimes.getTotalCount() == 0 ? BenchMath.Stats.EMPTY
                : new BenchMath.Stats(batchTimes.getTotalCount(),
                        batchTimes.getValueAtPercentile(50) / 1e3, batchTimes.getValueAtPercentile(99) / 1e3,
                        batchTimes.getValueAtPercentile(99.9) / 1e3, batchTimes.getMaxValue() / 1e3);
    }
}

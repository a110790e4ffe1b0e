package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.Warmup;
import dev.edgeinfer.operators.model.ModelHandler;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The inference operator's warm start, run in {@code open()} before the task takes a record:
 * waits for the versions serving now to finish staging (loaded and checked on the staging
 * thread, as always), then runs the record path after the batcher — the translator, the model
 * call and the result builder — on the adapter's warm-up batch in the shapes real batches have
 * (one record; the micro-batch size too when batches can fill). Everything it computes is
 * discarded: nothing is emitted, counted as scored or written to state.
 *
 * <p>Both steps share one time bound ({@code maxTime}); what the bound cuts short is paid by the
 * first records instead, exactly as without a warm-up. A staging that fails is left to the
 * operator, which rejects it on its normal path.
 */
@Internal
final class InferenceWarmup {

    private static final long POLL_MILLIS = 5;

    private InferenceWarmup() {}

    static <IN, P, OUT> Warmup.Result run(
            InferenceSettings<IN, P, OUT> settings, List<ModelStager.Staged<IN, P>> serving, Duration maxTime)
            throws Exception {
        long deadline = System.nanoTime() + maxTime.toNanos();
        List<ModelStager.Staged<IN, P>> ready = new ArrayList<>();
        for (ModelStager.Staged<IN, P> model : serving) {
            while (!model.isReady() && !model.isFailed() && System.nanoTime() - deadline < 0) {
                Thread.sleep(POLL_MILLIS);
            }
            if (model.isReady()) {
                ready.add(model);
            }
        }
        String what = "versioned inference " + settings.modelName();
        long left = Math.max(0, deadline - System.nanoTime());
        if (ready.isEmpty() || settings.adapter() == null || left == 0) {
            // Nothing loaded in time, or a custom handler factory without an adapter's sample batch.
            return Warmup.run(what, Duration.ZERO, 0, i -> {});
        }
        List<IN> sample = settings.adapter().warmupBatch();
        List<IN> single = List.of(sample.get(0));
        List<IN> full = repeat(sample, settings.batchMaxSize());
        // Batches fill only when records may wait for them or a backlog fills them; otherwise every batch has one record.
        boolean fills = (settings.batchMaxDelayMillis() > 0 || settings.batchFillFromQueue()) && settings.batchMaxSize() > 1;
        return Warmup.run(what, Duration.ofNanos(left), Warmup.MODEL_ITERATIONS, i -> {
            ModelStager.Staged<IN, P> model = ready.get(i % ready.size());
            List<IN> batch = fills && i % 4 == 3 ? full : single;
            ModelHandler<IN, P> handler = model.handler();
            List<P> predictions = handler.predict(batch);
            for (int r = 0; r < batch.size(); r++) {
                settings.resultBuilder().build(batch.get(r), predictions.get(r), model.release.modelId(), 0L);
            }
        });
    }

    /**
     * The releases to stage and warm before the first record: those serving now at this site (the
     * earliest still needed, and every one active by the wall clock) among the {@code stored}
     * ones and the releases published before submission that intake accepts. Those are judged
     * here (a pure check, the same verdict they get on receipt) but received only with the first
     * input, so no status is emitted from {@code open()} and nothing unaccepted is ever loaded.
     * Versions rolled back by a deprecation advisory ({@code deprecations}) are rolled back here too.
     */
    static List<ModelRelease> servingAtStart(InferenceSettings<?, ?, ?> settings, ReleaseIntake intake,
            DeprecationIntake deprecations, ActivationTimeline timeline, Collection<ModelRelease> stored,
            SubtaskProgress restored, long watermark) throws Exception {
        ActivationTimeline atStart = new ActivationTimeline(settings.modelName(), settings.site(), restored);
        List<ModelRelease> all = new ArrayList<>(stored);
        for (ModelRelease release : settings.publishedReleases()) {
            ReleaseIntake.Verdict verdict = intake.judge(release, timeline.contains(release.releaseId()),
                    timeline.newestScoredEventTime());
            if (verdict instanceof ReleaseIntake.Verdict.Accepted || verdict instanceof ReleaseIntake.Verdict.Late) {
                all.add(release);
            }
        }
        atStart.addAll(all);
        deprecations.rollBackIn(atStart);
        // Later activations stage in the background as always; the warm start waits only for what
        // live records need now (event time ~ wall clock), so a slow future load cannot stall open().
        return atStart.servingAt(watermark, System.currentTimeMillis());
    }

    private static <T> List<T> repeat(List<T> sample, int size) {
        List<T> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(sample.get(i % sample.size()));
        }
        return batch;
    }
}

package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.runtime.ModelLoadException;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores each micro-batch a second time with the shadow version that applies to its records
 * ({@link ActivationTimeline#resolveShadow}) and compares, record by record, with what the
 * serving version said; the comparison, and the shadow's own volume, latency and errors, go to
 * the shadow version's heartbeats ({@link HealthTracker}).
 *
 * <pre>{@code
 * ShadowScoring<IN, P> shadows = new ShadowScoring<>(timeline, stager, heartbeats.health(), routingKey);
 * // after the serving results of a batch were emitted:
 * shadows.score(servingStaged, batch, eventTimes, servingPredictions);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Nothing here reaches the output: it runs after the serving
 * results of the batch were emitted and only reads the batch and the serving predictions, so a
 * run with a shadow emits exactly the bytes of a run without it. A shadow never holds a record
 * back: one still staging (or rejected) is skipped for that batch and counted ({@code skipped});
 * a shadow model call that throws (or returns the wrong number of predictions) is counted in the
 * shadow's {@code errors} and {@code skipped}, logged, and never fails the task. Shadow
 * staging is the stager's (bounded, by need, like any release; a load failure is a
 * {@code REJECTED} report as for any release, and so is an unexpected staging failure, which
 * would fail the task for a serving version: {@link #reject}). The cost is on the task thread: a second model
 * call per batch and shadow version, and one timeline lookup per record while any shadow
 * activation applies here (none otherwise). Not thread-safe: the task thread owns it.
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 */
@Internal
final class ShadowScoring<IN, P> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShadowScoring.class);

    private final ActivationTimeline timeline;
    private final ModelStager<IN, P> stager;
    private final HealthTracker<P> health;
    private final KeySelector<IN, String> routingKey;

    ShadowScoring(ActivationTimeline timeline, ModelStager<IN, P> stager, HealthTracker<P> health,
            KeySelector<IN, String> routingKey) {
        this.timeline = timeline;
        this.stager = stager;
        this.health = health;
        this.routingKey = routingKey;
    }

    /**
     * Scores the records of {@code batch} that a shadow applies to with that shadow and compares
     * with {@code predictions}, the serving version's (already emitted).
     */
    void score(ModelStager.Staged<IN, P> serving, List<IN> batch, long[] eventTimes, List<P> predictions)
            throws Exception {
        if (!timeline.hasShadows()) {
            return;
        }
        Map<ModelRelease, List<Integer>> byShadow = new IdentityHashMap<>(); // the timeline's own instances
        for (int i = 0; i < batch.size(); i++) {
            Optional<ModelRelease> shadow = timeline.resolveShadow(eventTimes[i], routingKey.getKey(batch.get(i)));
            if (shadow.isPresent() && !sameFile(shadow.get(), serving.release)) {
                byShadow.computeIfAbsent(shadow.get(), s -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<ModelRelease, List<Integer>> group : byShadow.entrySet()) {
            score(stager.stage(group.getKey(), false), serving, batch, predictions, group.getValue());
        }
    }

    private void score(ModelStager.Staged<IN, P> shadow, ModelStager.Staged<IN, P> serving, List<IN> batch,
            List<P> predictions, List<Integer> records) {
        ShadowComparison comparison = health.shadow(shadow);
        if (!shadow.isReady()) {
            comparison.skipped(records.size());
            return;
        }
        List<IN> inputs = new ArrayList<>(records.size());
        List<P> servingSaid = new ArrayList<>(records.size());
        for (int i : records) {
            inputs.add(batch.get(i));
            servingSaid.add(predictions.get(i));
        }
        long started = System.nanoTime();
        List<P> shadowSaid;
        try {
            shadowSaid = shadow.handler().predict(inputs);
            if (shadowSaid == null || shadowSaid.size() != inputs.size()) {
                throw new IllegalStateException("shadow " + shadow.release.releaseId() + " returned "
                        + (shadowSaid == null ? "null" : shadowSaid.size() + " predictions") + " for "
                        + inputs.size() + " records");
            }
        } catch (RuntimeException e) {
            // A shadow never fails the task nor touches the serving result: counted, logged, skipped.
            health.failed(shadow, inputs.size());
            comparison.skipped(inputs.size());
            LOG.warn("shadow {} failed on {} records; the serving version's results are unaffected",
                    shadow.release.releaseId(), inputs.size(), e);
            return;
        }
        long took = System.nanoTime() - started;
        shadow.scored += inputs.size();
        health.scored(shadow, shadowSaid, took);
        health.compared(shadow, serving.release.version(), servingSaid, shadowSaid);
    }

    /**
     * Drops a shadow whose staging failed, like {@link ModelStager#reject}, except that a failure
     * that is neither a fetch nor a load failure (which fails the task for a serving version) is
     * a {@code LOAD_FAILED} rejection here: a shadow never fails the task.
     */
    Optional<ModelStager.Rejection> reject(ModelStager.Staged<IN, P> shadow) {
        try {
            return stager.reject(shadow);
        } catch (IllegalStateException e) {
            LOG.warn("staging shadow {} failed unexpectedly; rejected, the serving version is unaffected",
                    shadow.release.releaseId(), e);
            String cause = e.getCause() == null ? e.toString() : e.getCause().toString();
            return Optional.of(new ModelStager.Rejection(
                    shadow.release, ModelLoadException.Reason.LOAD_FAILED.name(), e.getMessage() + ": " + cause));
        }
    }

    /** A version never shadows the very file serving the record (e.g. a shadow promoted at the same instant). */
    private static boolean sameFile(ModelRelease shadow, ModelRelease serving) {
        return shadow.version().equals(serving.version()) && shadow.sha256().equals(serving.sha256());
    }
}

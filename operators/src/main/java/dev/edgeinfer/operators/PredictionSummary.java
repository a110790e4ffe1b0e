package dev.edgeinfer.operators;

import java.io.Serializable;

/**
 * What the fleet's heartbeats learn from one prediction: the score it stands for, its top-1
 * class (classifiers), and whether it counts as an anomaly. The inference operator feeds every
 * prediction through it to build each version's output distribution, anomaly rate and NaN/Inf
 * count ({@code dev.edgeinfer.broadcast.status.ModelHealth}).
 *
 * <pre>{@code
 * VersionedInference.<SensorWindow, Float, SensorResult>builder()
 *     .setPredictionSummary(PredictionSummary.scoreAbove(0.5f))   // Float score, anomaly at >= 0.5
 *     ...
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Called on the task thread for every record, after the model
 * call: keep it allocation-free and cheap. It must not throw; a score that is NaN or infinite is
 * counted as an error, never as an anomaly. It never changes a result: results are built from the
 * prediction itself.
 *
 * <p>Ready-made: {@link #scoreAbove(float)} for scores, {@code TopK.summary()} for classifiers.
 *
 * @param <P> the prediction for one record
 */
public interface PredictionSummary<P> extends Serializable {

    /** The score the prediction stands for, ideally in {@code [0, 1]}; {@code NaN} when it has none. */
    float score(P prediction);

    /** The top-1 class index of a classifier's prediction, or {@code -1}. */
    default int topClass(P prediction) {
        return -1;
    }

    /** Whether the prediction counts as an anomaly (for the anomaly rate). */
    boolean anomalous(P prediction);

    /** Whether this summary reports anything at all ({@link #none()} does not). */
    default boolean reports() {
        return true;
    }

    /** No output distribution: heartbeats still report volume, latency and errors of model calls. */
    @SuppressWarnings("unchecked")
    static <P> PredictionSummary<P> none() {
        return (PredictionSummary<P>) None.INSTANCE;
    }

    /** A {@code Float} score (e.g. an anomaly probability) that counts as an anomaly at or above {@code threshold}. */
    static PredictionSummary<Float> scoreAbove(float threshold) {
        return new ScoreAbove(threshold);
    }

    /** See {@link #none()}. */
    enum None implements PredictionSummary<Object> {
        INSTANCE;

        @Override
        public float score(Object prediction) {
            return Float.NaN;
        }

        @Override
        public boolean anomalous(Object prediction) {
            return false;
        }

        @Override
        public boolean reports() {
            return false;
        }
    }

    /** See {@link #scoreAbove(float)}. */
    record ScoreAbove(float threshold) implements PredictionSummary<Float> {
        public ScoreAbove {
            if (!Float.isFinite(threshold)) {
                throw new IllegalArgumentException("threshold must be finite, got " + threshold);
            }
        }

        @Override
        public float score(Float prediction) {
            return prediction == null ? Float.NaN : prediction;
        }

        @Override
        public boolean anomalous(Float prediction) {
            return prediction != null && prediction >= threshold;
        }
    }
}

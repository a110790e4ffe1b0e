package dev.edgeinfer.operators;

import dev.edgeinfer.broadcast.release.ModelId;

import java.io.Serializable;

/**
 * Builds the operator's output from a record, its prediction and the lineage of the model that
 * made it. Every result must carry the {@link ModelId}: that is how a downstream reader knows
 * which version scored which record.
 *
 * @param <IN> the record scored
 * @param <P> the prediction for it
 * @param <OUT> the result emitted
 */
@FunctionalInterface
public interface ResultBuilder<IN, P, OUT> extends Serializable {

    /**
     * @param input the scored record
     * @param prediction its prediction
     * @param model the model version that produced the prediction
     * @param inferenceNanos time ONNX Runtime took for the batch the record was in
     */
    OUT build(IN input, P prediction, ModelId model, long inferenceNanos);
}

package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelId;

/**
 * ONNX Runtime failed to score a batch with a model that loaded and passed its checks. This is
 * not a property of one record (those are rejected before inference), so it is thrown to make
 * the task fail over loudly rather than drop records.
 */
public class InferenceException extends RuntimeException {

    private final ModelId model;

    public InferenceException(ModelId model, int batchSize, Throwable cause) {
        super("inference with " + model + " failed on a batch of " + batchSize + ": " + cause, cause);
        this.model = model;
    }

    public ModelId model() {
        return model;
    }
}

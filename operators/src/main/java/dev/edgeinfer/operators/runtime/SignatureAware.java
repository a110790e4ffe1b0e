package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelSignature;

/**
 * A translator that knows which model signature it can feed. {@link OnnxModelRunner} asks it
 * before the first prediction, so a model that does not fit is rejected at load time with a
 * diagnosis instead of failing on the first record.
 *
 * <pre>{@code
 * public String checkSignature(ModelSignature signature) {
 *     TensorSpec input = signature.inputs().get(0);
 *     return input.isMatrixWithWidth(32) ? null : "input " + input + " is not [N, 32]";
 * }
 * }</pre>
 */
public interface SignatureAware {

    /**
     * Checks the loaded model's signature.
     *
     * @return {@code null} if the model fits, otherwise a diagnosis naming what does not match
     */
    String checkSignature(ModelSignature signature);
}

package dev.edgeinfer.operators.sensor;

import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.operators.runtime.SignatureAware;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL translator for the sensor anomaly model: a batch of {@link SensorWindow}s in, one anomaly
 * score per window out.
 *
 * <p>Pre-processing writes {@link SensorFeatures} for the whole batch into one reused, direct,
 * native-order buffer and hands it to ONNX Runtime as a {@code [N, F]} float tensor (no per-call
 * allocation or copy; a {@code float[]} would cost a fresh direct buffer each time).
 * Post-processing reads the {@code [N, 1]} score tensor.
 *
 * <p>Not thread-safe (the buffer is reused): one instance per model runner.
 */
public final class SensorAnomalyTranslator
        implements NoBatchifyTranslator<List<SensorWindow>, List<Float>>, SignatureAware {

    private final int channels;
    private final int windowSize;
    private final int featureCount;
    private FloatBuffer features;

    /**
     * @param channels values per reading
     * @param windowSize readings per window
     */
    public SensorAnomalyTranslator(int channels, int windowSize) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (windowSize < 2) {
            throw new IllegalArgumentException("windowSize must be >= 2, got " + windowSize);
        }
        this.channels = channels;
        this.windowSize = windowSize;
        this.featureCount = SensorFeatures.featureCount(channels);
        this.features = allocate(16);
    }

    @Override
    public String checkSignature(ModelSignature signature) {
        if (signature.inputs().size() != 1) {
            return "expected exactly one input [N, " + featureCount + "], got " + signature.inputs();
        }
        TensorSpec input = signature.inputs().get(0);
        if (!input.isMatrixWithWidth(featureCount)) {
            return "input " + input + " is not [N, " + featureCount + "] (" + channels
                    + " channels x " + SensorFeatures.FEATURES_PER_CHANNEL + " features)";
        }
        if (!signature.outputs().isEmpty()) {
            TensorSpec output = signature.outputs().get(0);
            if (output.hasKnownShape() && !output.isMatrixWithWidth(1)) {
                return "first output must be a score [N, 1], got " + output;
            }
        }
        return null;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, List<SensorWindow> windows) {
        int n = windows.size();
        if (features.capacity() < n * featureCount) {
            features = allocate(Math.max(n, features.capacity() / featureCount * 2));
        }
        features.clear();
        for (SensorWindow window : windows) {
            if (window.channels() != channels || window.size() != windowSize) {
                throw new IllegalArgumentException(
                        "window " + window + " does not match the model's " + windowSize + "x" + channels);
            }
            SensorFeatures.write(window.values(), channels, features);
        }
        features.flip();
        NDArray array = ctx.getNDManager().create(features.slice(), new Shape(n, featureCount));
        return new NDList(array);
    }

    @Override
    public List<Float> processOutput(TranslatorContext ctx, NDList list) {
        NDArray output = list.get(0);
        long[] shape = output.getShape().getShape();
        if (shape.length != 2 || shape[1] != 1) {
            // Checked on the warm-up batch, so a model with the wrong output is rejected at load.
            throw new IllegalStateException(
                    "model output " + output.getShape() + " is not a score [N, 1]");
        }
        float[] scores = output.toFloatArray();
        List<Float> out = new ArrayList<>(scores.length);
        for (float score : scores) {
            out.add(score);
        }
        return out;
    }

    private FloatBuffer allocate(int windows) {
        return ByteBuffer.allocateDirect(windows * featureCount * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}

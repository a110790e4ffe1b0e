package dev.edgeinfer.operators.frames;

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
import java.util.Arrays;
import java.util.List;

/**
 * DJL translator for any ONNX image classifier with one {@code [N, 3, H, W]} float input and a
 * {@code [N, C]} output: a batch of {@link Frame}s in, the {@link TopK} classes of each out.
 *
 * <p>The input size comes from the model's declared signature ({@link #checkSignature}, called by
 * the runner before the first prediction); normalisation and labels come from the release's
 * {@link ImageModelMetadata}. Pre-processing ({@link FrameTensor}: resize + normalise) writes the
 * whole batch into one reused, direct, native-order buffer that ONNX Runtime reads without a copy.
 *
 * <p>Not thread-safe (the buffer is reused): one instance per model runner.
 */
public final class FrameClassifierTranslator
        implements NoBatchifyTranslator<List<Frame>, List<TopK>>, SignatureAware {

    private final ImageModelMetadata metadata;
    private final int topK;
    private final FrameTensor.Resize resize;
    private FrameTensor tensor;
    private FloatBuffer buffer;

    /**
     * @param metadata what the release says about the model (normalisation, labels)
     * @param topK classes reported per frame, at least 1
     * @param defaultResize the resampling method unless the metadata names one
     */
    public FrameClassifierTranslator(ImageModelMetadata metadata, int topK, FrameTensor.Resize defaultResize) {
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        }
        this.metadata = metadata == null ? ImageModelMetadata.DEFAULTS : metadata;
        this.topK = topK;
        this.resize = this.metadata.resize() != null ? this.metadata.resize()
                : defaultResize == null ? FrameTensor.Resize.BILINEAR : defaultResize;
    }

    /** For a model of known input size (without a signature check, e.g. in tools and tests). */
    public FrameClassifierTranslator(ImageModelMetadata metadata, int topK, FrameTensor.Resize defaultResize,
            int height, int width) {
        this(metadata, topK, defaultResize);
        configure(height, width);
    }

    @Override
    public String checkSignature(ModelSignature signature) {
        if (metadata.problem() != null) {
            return metadata.problem();
        }
        if (signature.inputs().size() != 1) {
            return "expected exactly one input [N, 3, H, W], got " + signature.inputs();
        }
        TensorSpec input = signature.inputs().get(0);
        long[] shape = input.shape();
        if (shape == null || shape.length != 4 || shape[1] != 3 || shape[2] < 1 || shape[3] < 1) {
            return "input " + input + " is not [N, 3, H, W] with a fixed height and width";
        }
        if (shape[2] > 8192 || shape[3] > 8192) {
            return "input " + input + " is larger than 8192x8192";
        }
        if (!signature.outputs().isEmpty()) {
            TensorSpec output = signature.outputs().get(0);
            long[] out = output.shape();
            if (out != null && (out.length != 2 || (metadata.labels() != null && out[1] > 0
                    && out[1] != metadata.labels().size()))) {
                return "first output " + output + " is not [N, C] with C = " + (metadata.labels() == null
                        ? "the number of classes" : metadata.labels().size() + " labels " + metadata.labels());
            }
        }
        configure((int) shape[2], (int) shape[3]);
        return null;
    }

    private void configure(int height, int width) {
        this.tensor = new FrameTensor(height, width, metadata.mean(), metadata.std(), resize);
        this.buffer = allocate(1);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, List<Frame> frames) {
        if (tensor == null) {
            throw new IllegalStateException("the model's input size is unknown: checkSignature was not called");
        }
        int n = frames.size();
        int perFrame = tensor.floatsPerFrame();
        if (buffer.capacity() < n * perFrame) {
            buffer = allocate(Math.max(n, buffer.capacity() / perFrame * 2));
        }
        buffer.clear();
        for (Frame frame : frames) {
            tensor.write(frame, buffer);
        }
        buffer.flip();
        NDArray array = ctx.getNDManager().create(buffer.slice(), new Shape(n, 3, tensor.height(), tensor.width()));
        return new NDList(array);
    }

    @Override
    public List<TopK> processOutput(TranslatorContext ctx, NDList list) {
        NDArray output = list.get(0);
        long[] shape = output.getShape().getShape();
        if (shape.length != 2) {
            throw new IllegalStateException("model output " + output.getShape() + " is not [N, C]");
        }
        int classes = (int) shape[1];
        if (metadata.labels() != null && classes != metadata.labels().size()) {
            // Checked on the warm-up batch, so such a model is rejected at load.
            throw new IllegalStateException("model output has " + classes + " classes but the release names "
                    + metadata.labels().size() + " labels " + metadata.labels());
        }
        float[] scores = output.toFloatArray();
        int rows = (int) shape[0];
        List<TopK> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            if (metadata.applySoftmax()) {
                softmax(scores, r * classes, classes);
            }
            out.add(TopK.of(scores, r * classes, classes, topK, metadata));
        }
        return out;
    }

    private static void softmax(float[] v, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(v[offset + i] - max);
        }
        for (int i = 0; i < n; i++) {
            v[offset + i] = (float) (Math.exp(v[offset + i] - max) / sum);
        }
    }

    /** The normalisation and labels this translator applies. */
    public ImageModelMetadata metadata() {
        return metadata;
    }

    @Override
    public String toString() {
        return "FrameClassifierTranslator{" + (tensor == null ? "?x?" : tensor.height() + "x" + tensor.width())
                + ", " + resize + ", mean " + Arrays.toString(metadata.mean()) + ", std "
                + Arrays.toString(metadata.std()) + ", top " + topK + "}";
    }

    private FloatBuffer allocate(int frames) {
        return ByteBuffer.allocateDirect(frames * tensor.floatsPerFrame() * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}

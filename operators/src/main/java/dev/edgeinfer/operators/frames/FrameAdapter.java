package dev.edgeinfer.operators.frames;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.ModelAdapter;

import ai.djl.translate.Translator;

import java.util.List;

/**
 * {@link ModelAdapter} for image classifiers ({@code [N, 3, H, W] -> [N, C]}): each model's
 * translator is configured from its release's metadata ({@link ImageModelMetadata}) and its
 * input size from its signature, so any such ONNX classifier can be published without a job
 * change.
 *
 * <pre>{@code
 * VersionedInference.<Frame, TopK, FrameResult>builder()
 *     .setAdapter(new FrameAdapter(3, FrameTensor.Resize.AREA))
 *     ...
 * }</pre>
 */
public final class FrameAdapter implements ModelAdapter<Frame, TopK> {

    private static final long serialVersionUID = 1L;

    private final int topK;
    private final FrameTensor.Resize defaultResize;

    /**
     * @param topK classes reported per frame
     * @param defaultResize resampling for releases that do not name one ({@code image.resize})
     */
    public FrameAdapter(int topK, FrameTensor.Resize defaultResize) {
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        }
        this.topK = topK;
        this.defaultResize = defaultResize == null ? FrameTensor.Resize.BILINEAR : defaultResize;
    }

    /** A translator with default normalisation and labels (the release names none). */
    @Override
    public Translator<List<Frame>, List<TopK>> newTranslator() {
        return new FrameClassifierTranslator(ImageModelMetadata.DEFAULTS, topK, defaultResize);
    }

    @Override
    public Translator<List<Frame>, List<TopK>> newTranslator(ModelRelease release) {
        return new FrameClassifierTranslator(ImageModelMetadata.parse(release.metadata()), topK, defaultResize);
    }

    /** A small gradient frame: resized to whatever the model takes. */
    @Override
    public List<Frame> warmupBatch() {
        int w = 16;
        int h = 12;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                rgb[p] = (byte) (x * 16);
                rgb[p + 1] = (byte) (y * 20);
                rgb[p + 2] = (byte) 128;
            }
        }
        return List.of(new Frame("warm-up", 0, 0, "warm-up", w, h, rgb));
    }

    public int topK() {
        return topK;
    }

    public FrameTensor.Resize defaultResize() {
        return defaultResize;
    }
}

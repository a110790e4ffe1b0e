package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.onnx.OnnxPieces;
import dev.edgeinfer.operators.frames.ImageModelMetadata;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Builds the demo/test image classifier: a real convolutional network in ONNX, written with
 * Tribuo's graph builder, whose weights are set by hand so its behaviour is known exactly.
 *
 * <pre>
 * image [N, 3, H, W]  (normalised: (pixel / 255 - mean) / std, see {@link #MEAN}, {@link #STD})
 *   -> Conv 3x3, 5 filters, no padding -> Relu -> GlobalAveragePool -> Flatten   [N, 5]
 *   -> Gemm (diagonal class weights, biases) -> Softmax                          probabilities [N, 5]
 * </pre>
 *
 * <p><b>What it computes.</b> Each filter averages a 3x3 neighbourhood and, undoing the
 * normalisation, measures one property of the pixel colour {@code (r, g, b)} in [0, 1]:
 * <ul>
 *   <li>{@code red = r - (g + b) / 2 - 0.2}, likewise {@code green} and {@code blue};</li>
 *   <li>{@code dark = 0.3 - (r + g + b) / 3};</li>
 *   <li>{@code bright = (r + g + b) / 3 - 0.7}.</li>
 * </ul>
 * Relu keeps the positive part, the pool averages it over the frame, so feature {@code k} is how
 * much of the frame is how strongly of class {@code k}; the classifier scales and softmaxes them.
 * A frame dominated by one colour (or dark, or bright) is classified as that, with a probability
 * {@link #expectedProbabilities} computes in plain Java for uniform frames.
 *
 * <p><b>Versions.</b> {@link Spec#v1()} never learned {@code bright} (its weight is 0 and a small
 * bias favours {@code dark}), so bright frames come out as {@code dark}; {@link Spec#v2()} knows
 * all five classes and is twice as confident. A rollover is visible in the labels and scores.
 *
 * <p>The normalisation and labels are release metadata ({@link Spec#releaseMetadata()}) and are
 * also written to the file's {@code metadata_props}. Same spec, same bytes (stable sha256).
 */
public final class FrameModelFactory {

    /** The classes, in output order. */
    public static final List<String> LABELS = List.of("red", "green", "blue", "dark", "bright");
    /** ImageNet channel means (pixels in [0, 1]); the conv weights undo them. */
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations. */
    public static final float[] STD = {0.229f, 0.224f, 0.225f};
    public static final String INPUT_NAME = "image";
    public static final String OUTPUT_NAME = "probabilities";
    public static final String DEFAULT_NAME = "frame-classifier";

    /** Pixel-space filters {@code a[k] . (r, g, b) + d[k]}, one per class. */
    static final float[][] COLOUR_WEIGHTS = {
        {1f, -0.5f, -0.5f},
        {-0.5f, 1f, -0.5f},
        {-0.5f, -0.5f, 1f},
        {-1f / 3, -1f / 3, -1f / 3},
        {1f / 3, 1f / 3, 1f / 3},
    };
    static final float[] COLOUR_BIAS = {-0.2f, -0.2f, -0.2f, 0.3f, -0.7f};

    private FrameModelFactory() {}

    /**
     * Everything that determines a model.
     *
     * @param name model name
     * @param version version label
     * @param height input height
     * @param width input width
     * @param classWeights Gemm weight per class (diagonal)
     * @param classBias Gemm bias per class
     */
    public record Spec(String name, String version, int height, int width, float[] classWeights, float[] classBias) {

        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(version, "version");
            if (height < 3 || width < 3) {
                throw new IllegalArgumentException("input must be at least 3x3, got " + height + "x" + width);
            }
            if (classWeights.length != LABELS.size() || classBias.length != LABELS.size()) {
                throw new IllegalArgumentException("need " + LABELS.size() + " class weights and biases");
            }
            classWeights = classWeights.clone();
            classBias = classBias.clone();
        }

        /** Version 1 (96x96): four classes learned; bright frames are called dark. */
        public static Spec v1() {
            return new Spec(DEFAULT_NAME, "v1", 96, 96, new float[] {10, 10, 10, 10, 0}, new float[] {0, 0, 0, 0.1f, -1});
        }

        /** Version 2 (96x96): all five classes, twice as confident. */
        public static Spec v2() {
            return new Spec(DEFAULT_NAME, "v2", 96, 96, new float[] {20, 20, 20, 20, 20}, new float[] {0, 0, 0, 0, 0});
        }

        /** This spec for another input size, e.g. 224x224. */
        public Spec withSize(int height, int width) {
            return new Spec(name, version, height, width, classWeights, classBias);
        }

        public Spec withName(String name) {
            return new Spec(name, version, height, width, classWeights, classBias);
        }

        public String fileName() {
            return name + "-" + version + "-" + height + "x" + width + ".onnx";
        }

        /** The release metadata a consumer needs: normalisation and labels ({@link ImageModelMetadata}). */
        public Map<String, String> releaseMetadata() {
            Map<String, String> m = new TreeMap<>();
            m.put(ImageModelMetadata.MEAN, csv(MEAN));
            m.put(ImageModelMetadata.STD, csv(STD));
            m.put(ImageModelMetadata.LABELS, String.join(",", LABELS));
            return m;
        }
    }

    /**
     * A written model.
     *
     * @param id name, version, sha256
     * @param file the ONNX file
     * @param spec what it was built from
     */
    public record BuiltFrameModel(ModelId id, Path file, Spec spec) {
        public Map<String, String> releaseMetadata() {
            return spec.releaseMetadata();
        }
    }

    /** Writes {@code outputDir/<name>-<version>-<H>x<W>.onnx} (replacing it) and returns it. */
    public static BuiltFrameModel build(Spec spec, Path outputDir) throws IOException {
        Path file = outputDir.resolve(spec.fileName());
        OnnxGraphs.write(toOnnx(spec), file);
        return new BuiltFrameModel(ModelId.of(spec.name(), spec.version(), Sha256.of(file)), file, spec);
    }

    /** The model as an ONNX {@code ModelProto}. */
    static OnnxMl.ModelProto toOnnx(Spec spec) {
        int classes = LABELS.size();
        ONNXContext ctx = new ONNXContext();
        ctx.setName(spec.name() + "-" + spec.version());
        // Declared [-1, 3] first; the real [batch, 3, H, W] shape is set on the built graph below.
        ONNXPlaceholder input = ctx.floatInput(INPUT_NAME, 3);
        ONNXPlaceholder output = ctx.floatOutput(OUTPUT_NAME, classes);

        ONNXInitializer convWeights = ctx.floatTensor("conv_w", List.of(classes, 3, 3, 3), buffer -> {
            for (int k = 0; k < classes; k++) {
                for (int c = 0; c < 3; c++) {
                    for (int tap = 0; tap < 9; tap++) {
                        buffer.put(COLOUR_WEIGHTS[k][c] * STD[c] / 9f);
                    }
                }
            }
        });
        float[] convBias = new float[classes];
        for (int k = 0; k < classes; k++) {
            float b = COLOUR_BIAS[k];
            for (int c = 0; c < 3; c++) {
                b += COLOUR_WEIGHTS[k][c] * MEAN[c];
            }
            convBias[k] = b;
        }
        ONNXNode conv = ctx.operation(CnnOperators.CONV,
                List.<ONNXRef<?>>of(input, convWeights, ctx.array("conv_b", convBias)), "conv",
                Map.of("kernel_shape", new int[] {3, 3}));
        ONNXNode features = conv.apply(CnnOperators.RELU)
                .apply(CnnOperators.GLOBAL_AVERAGE_POOL)
                .apply(CnnOperators.FLATTEN, Map.of("axis", 1));
        ONNXInitializer fcWeights = ctx.floatTensor("fc_w", List.of(classes, classes), buffer -> {
            for (int i = 0; i < classes; i++) {
                for (int j = 0; j < classes; j++) {
                    buffer.put(i == j ? spec.classWeights()[i] : 0f);
                }
            }
        });
        features.apply(ONNXOperators.GEMM, List.<ONNXRef<?>>of(fcWeights, ctx.array("fc_b", spec.classBias())))
                .apply(ONNXOperators.SOFTMAX, Map.of("axis", 1))
                .assignTo(output);

        Map<String, String> metadata =
                classifierMetadata(spec.releaseMetadata(), spec.name(), spec.version(), spec.height(), spec.width());
        String doc = "EdgeInfer " + spec.name() + " " + spec.version() + ": hand-set CNN (Conv3x3 -> Relu -> "
                + "GlobalAveragePool -> Gemm -> Softmax) classifying the dominant colour of a "
                + spec.height() + "x" + spec.width() + " frame into " + LABELS + ".";
        OnnxMl.ModelProto model = OnnxGraphs.reproducibleModel(ctx, SensorModelFactory.DOMAIN,
                versionNumber(spec.version()), doc, metadata);
        OnnxMl.ValueInfoProto image =
                OnnxPieces.floatValueInfo(INPUT_NAME, new long[] {-1, 3, spec.height(), spec.width()});
        return model.toBuilder().setGraph(model.getGraph().toBuilder().setInput(0, image)).build();
    }

    /**
     * The metadata of a frame classifier ({@link #INPUT_NAME} {@code [N,3,H,W]} to
     * {@link #OUTPUT_NAME} {@code [N,}{@link #LABELS}{@code ]}): the release metadata, name,
     * version, input and output. The model writers sort it by key.
     */
    static Map<String, String> classifierMetadata(
            Map<String, String> release, String name, String version, int height, int width) {
        Map<String, String> metadata = new TreeMap<>(release);
        metadata.put("edgeinfer.model", name);
        metadata.put("edgeinfer.version", version);
        metadata.put("edgeinfer.input", INPUT_NAME + "[N,3," + height + "," + width + "]");
        metadata.put("edgeinfer.output", OUTPUT_NAME + "[N," + LABELS.size() + "]");
        return metadata;
    }

    /**
     * The probabilities the model gives a frame of one colour, computed in plain Java (no ONNX):
     * what a test compares the ONNX Runtime output with.
     */
    public static float[] expectedProbabilities(Spec spec, int red, int green, int blue) {
        float[] pixel = {red / 255f, green / 255f, blue / 255f};
        int classes = LABELS.size();
        double[] logits = new double[classes];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            double f = COLOUR_BIAS[k];
            for (int c = 0; c < 3; c++) {
                f += COLOUR_WEIGHTS[k][c] * pixel[c];
            }
            logits[k] = Math.max(0, f) * spec.classWeights()[k] + spec.classBias()[k];
            max = Math.max(max, logits[k]);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            sum += Math.exp(logits[k] - max);
        }
        float[] p = new float[classes];
        for (int k = 0; k < classes; k++) {
            p[k] = (float) (Math.exp(logits[k] - max) / sum);
        }
        return p;
    }

    /** The label {@link #expectedProbabilities} ranks first. */
    public static String expectedLabel(Spec spec, int red, int green, int blue) {
        float[] p = expectedProbabilities(spec, red, green, blue);
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return LABELS.get(best);
    }

    private static String csv(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (float v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v));
        }
        return sb.toString();
    }

    private static long versionNumber(String version) {
        String digits = version.replaceAll("[^0-9]", "");
        return digits.isEmpty() || digits.length() > 18 ? 0 : Long.parseLong(digits);
    }
}

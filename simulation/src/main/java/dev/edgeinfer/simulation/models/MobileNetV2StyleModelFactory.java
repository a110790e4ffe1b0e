package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.frames.ImageModelMetadata;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A MobileNetV2-style image classifier in ONNX: realistic structure and cost, known behaviour.
 *
 * <pre>
 * image [N, 3, S, S] -> Conv3x3/2 -> BN -> ReLU6                               (stem)
 *   -> inverted residual blocks: [Conv1x1 expand -> BN -> ReLU6] -> depthwise Conv3x3/s -> BN -> ReLU6
 *      -> Conv1x1 project -> BN (-> Add the block input when stride 1 and same width)
 *   -> two Conv1x1 heads -> BN -> ReLU6 each -> Concat -> GlobalAveragePool -> Flatten -> Gemm -> Softmax
 * </pre>
 *
 * <p>{@link Spec#standard()} is MobileNetV2 1.0 at 224×224 (the paper's stages, 1280 head
 * channels, ~300 MFLOPs); {@link Spec#small()} is a 64×64 net with three stages for fast tests.
 *
 * <p><b>What it computes.</b> The weights are drawn from a seeded generator, except five "signal"
 * channels (indices 0..4 of every feature map) that carry {@link FrameModelFactory}'s colour
 * features through the whole net: the stem computes them (times {@link #GAIN}), expand and project
 * convolutions copy them, depthwise convolutions average them, BatchNormalization leaves them
 * unchanged, and residual blocks cancel their own contribution so the skip path carries them. The
 * classifier reads them, plus a little of every other channel, so the net classifies
 * {@link dev.edgeinfer.simulation.frames.SyntheticFrames} colour classes (red, green, blue, dark,
 * bright) like the hand-set classifier, at a MobileNetV2's cost. The other filters are random with
 * L1 norms (and BN gammas) spread below the signal filters', as magnitude pruning assumes of a
 * trained net. Same spec, same bytes (stable sha256).
 *
 * <pre>{@code
 * BuiltMobileNet m = MobileNetV2StyleModelFactory.build(Spec.standard(), dir);  // dir/mobilenetv2-style-v1-224.onnx
 * }</pre>
 */
public final class MobileNetV2StyleModelFactory {

    public static final String INPUT_NAME = "image";
    public static final String OUTPUT_NAME = "probabilities";
    public static final List<String> LABELS = FrameModelFactory.LABELS;
    /** Scale of the colour features in the signal channels. */
    public static final float GAIN = 4f;
    /** Classifier weight on each class's signal feature. */
    public static final float CLASS_WEIGHT = 5f;

    static final int SIGNALS = 5;
    private static final float BN_EPS = 1e-5f;
    /** Running variance of signal channels: their gamma, sqrt(3), is above every random gamma. */
    private static final float SIGNAL_VAR = 3f;

    private MobileNetV2StyleModelFactory() {}

    /**
     * One stage of inverted residual blocks (the MobileNetV2 paper's {@code t, c, n, s}).
     *
     * @param expansion expansion factor t
     * @param channels output channels c
     * @param repeats blocks n
     * @param stride stride of the first block s
     */
    public record Stage(int expansion, int channels, int repeats, int stride) {
        public Stage {
            if (expansion < 1 || channels < 2 * SIGNALS || repeats < 1 || stride < 1 || stride > 2) {
                throw new IllegalArgumentException(
                        "bad stage t=" + expansion + " c=" + channels + " n=" + repeats + " s=" + stride);
            }
        }
    }

    /**
     * Everything that determines a model.
     *
     * @param name model name
     * @param version version label
     * @param size input height and width
     * @param stemChannels stem output channels
     * @param stages the inverted residual stages
     * @param headChannels channels of the two concatenated heads together (even)
     * @param seed weight generator seed
     */
    public record Spec(
            String name, String version, int size, int stemChannels, List<Stage> stages, int headChannels, long seed) {

        public Spec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(version, "version");
            stages = List.copyOf(stages);
            if (size < 16 || stemChannels < 2 * SIGNALS || headChannels < 4 * SIGNALS || headChannels % 2 != 0) {
                throw new IllegalArgumentException(
                        "bad spec: size " + size + ", stem " + stemChannels + ", head " + headChannels);
            }
        }

        /** MobileNetV2 1.0 at 224x224. */
        public static Spec standard() {
            return new Spec(
                    "mobilenetv2-style",
                    "v1",
                    224,
                    32,
                    List.of(
                            new Stage(1, 16, 1, 1),
                            new Stage(6, 24, 2, 2),
                            new Stage(6, 32, 3, 2),
                            new Stage(6, 64, 4, 2),
                            new Stage(6, 96, 3, 1),
                            new Stage(6, 160, 3, 2),
                            new Stage(6, 320, 1, 1)),
                    1280,
                    2024);
        }

        /** A 64x64 net with three stages (residual, depthwise, concat all present), for tests. */
        public static Spec small() {
            return new Spec(
                    "mobilenetv2-small",
                    "v1",
                    64,
                    16,
                    List.of(new Stage(1, 16, 1, 1), new Stage(4, 24, 2, 2), new Stage(4, 32, 2, 2)),
                    64,
                    7);
        }

        public Spec withSize(int size) {
            return new Spec(name, version, size, stemChannels, stages, headChannels, seed);
        }

        public String fileName() {
            return name + "-" + version + "-" + size + ".onnx";
        }

        /** Normalisation and labels, as {@link ImageModelMetadata} reads them. */
        public Map<String, String> releaseMetadata() {
            return FrameModelFactory.Spec.v2().releaseMetadata();
        }
    }

    /**
     * A written model.
     *
     * @param id name, version, sha256
     * @param file the ONNX file
     * @param spec what it was built from
     */
    public record BuiltMobileNet(ModelId id, Path file, Spec spec) {}

    /** Writes {@code outputDir/<name>-<version>-<size>.onnx} (replacing it) and returns it. */
    public static BuiltMobileNet build(Spec spec, Path outputDir) throws IOException {
        Path file = outputDir.resolve(spec.fileName());
        OnnxGraphs.write(toOnnx(spec), file);
        return new BuiltMobileNet(ModelId.of(spec.name(), spec.version(), Sha256.of(file)), file, spec);
    }

    /** The model as an ONNX {@code ModelProto}. */
    public static OnnxMl.ModelProto toOnnx(Spec spec) {
        Net net = new Net(new ProtoGraphBuilder(spec.name() + "-" + spec.version()), new SplittableRandom(spec.seed()));
        String x = net.stem(INPUT_NAME, spec.stemChannels());
        int channels = spec.stemChannels();
        int block = 0;
        for (Stage stage : spec.stages()) {
            for (int r = 0; r < stage.repeats(); r++) {
                int stride = r == 0 ? stage.stride() : 1;
                x = net.invertedResidual("b" + (block++), x, channels, stage.channels(), stage.expansion(), stride);
                channels = stage.channels();
            }
        }
        int half = spec.headChannels() / 2;
        String a = net.convBn("head_a", x, channels, half, 1, 1, 1, net.copyRows(half, channels, 0), true, SIGNALS, null);
        String b = net.convBn("head_b", x, channels, half, 1, 1, 1, net.noiseRows(half, channels, 1f, 0), true, 0, null);
        ProtoGraphBuilder g = net.g;
        String concat = g.node("Concat", "head_concat", List.of(a, b), ProtoGraphBuilder.integer("axis", 1));
        String pooled = g.node("GlobalAveragePool", "pool", List.of(concat));
        String flat = g.node("Flatten", "flatten", List.of(pooled), ProtoGraphBuilder.integer("axis", 1));
        int classes = LABELS.size();
        float[] fc = new float[classes * spec.headChannels()];
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < spec.headChannels(); j++) {
                fc[k * spec.headChannels() + j] = j == k ? CLASS_WEIGHT : (float) (net.random.nextGaussian() * 0.002);
            }
        }
        String w = g.floats("fc_w", new long[] {classes, spec.headChannels()}, fc);
        String bias = g.floats("fc_b", new long[] {classes}, new float[classes]);
        String logits = g.node("Gemm", "fc", List.of(flat, w, bias), ProtoGraphBuilder.integer("transB", 1));
        g.node("Softmax", OUTPUT_NAME, List.of(logits), ProtoGraphBuilder.integer("axis", 1));

        Map<String, String> metadata = FrameModelFactory.classifierMetadata(
                spec.releaseMetadata(), spec.name(), spec.version(), spec.size(), spec.size());
        String doc = "EdgeInfer " + spec.name() + " " + spec.version() + ": MobileNetV2-style CNN (seeded weights, "
                + "colour signal channels) classifying a " + spec.size() + "x" + spec.size() + " frame into " + LABELS
                + ".";
        return g.model(
                INPUT_NAME,
                new long[] {-1, 3, spec.size(), spec.size()},
                OUTPUT_NAME,
                new long[] {-1, classes},
                doc,
                metadata);
    }

    /** The net under construction: graph, generator, and the layer recipes. */
    private static final class Net {
        final ProtoGraphBuilder g;
        final SplittableRandom random;

        Net(ProtoGraphBuilder g, SplittableRandom random) {
            this.g = g;
            this.random = random;
        }

        String stem(String input, int out) {
            float[] w = noiseRows(out, 27, 0.226f * GAIN, SIGNALS);
            float[] signalBias = new float[SIGNALS];
            for (int k = 0; k < SIGNALS; k++) {
                float b = FrameModelFactory.COLOUR_BIAS[k];
                for (int c = 0; c < 3; c++) {
                    for (int tap = 0; tap < 9; tap++) {
                        w[k * 27 + c * 9 + tap] =
                                FrameModelFactory.COLOUR_WEIGHTS[k][c] * FrameModelFactory.STD[c] / 9f * GAIN;
                    }
                    b += FrameModelFactory.COLOUR_WEIGHTS[k][c] * FrameModelFactory.MEAN[c];
                }
                signalBias[k] = b * GAIN;
            }
            return convBn("stem", input, 3, out, 3, 2, 1, w, true, SIGNALS, signalBias);
        }

        String invertedResidual(String name, String input, int in, int out, int expansion, int stride) {
            boolean residual = stride == 1 && in == out;
            int hidden = in * expansion;
            int signals = residual ? 2 * SIGNALS : SIGNALS;
            String x = input;
            if (expansion != 1) {
                float[] w = copyRows(hidden, in, 0);
                if (residual) {
                    float[] copies = copyRows(SIGNALS, in, 0);
                    System.arraycopy(copies, 0, w, SIGNALS * in, copies.length);
                }
                x = convBn(name + "_expand", x, in, hidden, 1, 1, 1, w, true, signals, null);
            } else {
                hidden = in;
                signals = SIGNALS;
                residual = false;
            }
            float[] dw = noiseRows(hidden, 9, 1f, signals);
            for (int k = 0; k < signals; k++) {
                java.util.Arrays.fill(dw, k * 9, k * 9 + 9, 1f / 9);
            }
            x = convBn(name + "_dw", x, hidden, hidden, 3, stride, hidden, dw, true, signals, null);
            float[] project = copyRows(out, hidden, 0);
            if (residual) {
                for (int k = 0; k < SIGNALS; k++) {
                    project[k * hidden + SIGNALS + k] = -1f;
                }
            }
            x = convBn(name + "_project", x, hidden, out, 1, 1, 1, project, false, SIGNALS, null);
            return residual ? g.node("Add", name + "_add", List.of(input, x)) : x;
        }

        /** Rows {@code k < SIGNALS} copy input {@code k + offset}; the other rows are noise of L1 up to 1. */
        float[] copyRows(int rows, int cols, int offset) {
            float[] w = noiseRows(rows, cols, 1f, SIGNALS);
            for (int k = 0; k < SIGNALS; k++) {
                w[k * cols + k + offset] = 1f;
            }
            return w;
        }

        /** Random rows from {@code first} on, each with an L1 norm of {@code u * l1}, u in [0.1, 0.95]. */
        float[] noiseRows(int rows, int cols, float l1, int first) {
            float[] w = new float[rows * cols];
            for (int r = first; r < rows; r++) {
                double norm = 0;
                for (int c = 0; c < cols; c++) {
                    w[r * cols + c] = (float) random.nextGaussian();
                    norm += Math.abs(w[r * cols + c]);
                }
                double target = l1 * (0.1 + 0.85 * random.nextDouble());
                for (int c = 0; c < cols; c++) {
                    w[r * cols + c] = (float) (w[r * cols + c] * target / norm);
                }
            }
            return w;
        }

        /** Conv, BatchNorm and (if {@code clip}) ReLU6; {@code signalBias} null means zero BN betas for the signals. */
        String convBn(
                String name,
                String input,
                int in,
                int out,
                int kernel,
                int stride,
                int group,
                float[] w,
                boolean clip,
                int signals,
                float[] signalBias) {
            String weights = g.floats(name + "_w", new long[] {out, in / group, kernel, kernel}, w);
            int pad = kernel / 2;
            String conv = g.node(
                    "Conv",
                    name,
                    List.of(input, weights),
                    ProtoGraphBuilder.ints("kernel_shape", kernel, kernel),
                    ProtoGraphBuilder.ints("strides", stride, stride),
                    ProtoGraphBuilder.ints("pads", pad, pad, pad, pad),
                    ProtoGraphBuilder.integer("group", group));
            float[] gamma = new float[out];
            float[] beta = new float[out];
            float[] mean = new float[out];
            float[] var = new float[out];
            for (int c = 0; c < out; c++) {
                if (c < signals) {
                    var[c] = SIGNAL_VAR;
                    gamma[c] = (float) Math.sqrt(SIGNAL_VAR + BN_EPS);
                    beta[c] = signalBias == null ? 0f : signalBias[c];
                } else {
                    gamma[c] = (float) (0.5 + random.nextDouble());
                    var[c] = (float) (0.5 + random.nextDouble());
                    mean[c] = (float) (random.nextGaussian() * 0.05);
                    beta[c] = (float) (random.nextGaussian() * 0.05);
                }
            }
            long[] dims = {out};
            String bn = g.node(
                    "BatchNormalization",
                    name + "_bn",
                    List.of(
                            conv,
                            g.floats(name + "_gamma", dims, gamma),
                            g.floats(name + "_beta", dims, beta),
                            g.floats(name + "_mean", dims, mean),
                            g.floats(name + "_var", dims, var)),
                    ProtoGraphBuilder.real("epsilon", BN_EPS));
            if (!clip) {
                return bn;
            }
            String lo = g.floats(name + "_clip_min", new long[0], new float[] {0f});
            String hi = g.floats(name + "_clip_max", new long[0], new float[] {6f});
            return g.node("Clip", name + "_relu6", List.of(bn, lo, hi));
        }
    }

    /** Inverted residual blocks in {@code spec} (for reports). */
    public static int blocks(Spec spec) {
        List<Integer> counts = new ArrayList<>();
        spec.stages().forEach(s -> counts.add(s.repeats()));
        return counts.stream().mapToInt(Integer::intValue).sum();
    }
}

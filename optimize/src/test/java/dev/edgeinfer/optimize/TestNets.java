package dev.edgeinfer.optimize;

import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.MobileNetV2StyleModelFactory;
import dev.edgeinfer.simulation.models.ProtoGraphBuilder;

import ai.onnx.proto.OnnxMl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small models and inputs the tests build. */
final class TestNets {

    static final int SIZE = 16;

    private TestNets() {}

    /**
     * x[1,4,16,16] -> a = Relu(BN(Conv 4->16)), b = Relu(Conv 4->16 with bias) -> Concat [32]
     * -> d = Relu(Conv3x3 32->16) -> depthwise 3x3 -> Relu -> Conv1x1 16->16 -> Add d
     * -> GlobalAveragePool -> Flatten -> Gemm 16->3 -> Softmax.
     */
    static OnnxMl.ModelProto concatResidualNet(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ProtoGraphBuilder g = new ProtoGraphBuilder("concat-residual");
        String a = g.node("Conv", "conv_a", List.of("x", g.floats("wa", new long[] {16, 4, 1, 1}, rand(r, 64, 0.5))));
        String bn = g.node(
                "BatchNormalization",
                "bn_a",
                List.of(
                        a,
                        g.floats("gamma", new long[] {16}, positive(r, 16)),
                        g.floats("beta", new long[] {16}, rand(r, 16, 0.1)),
                        g.floats("mean", new long[] {16}, rand(r, 16, 0.1)),
                        g.floats("var", new long[] {16}, positive(r, 16))));
        String ra = g.node("Relu", "relu_a", List.of(bn));
        String b = g.node(
                "Conv",
                "conv_b",
                List.of(
                        "x",
                        g.floats("wb", new long[] {16, 4, 1, 1}, rand(r, 64, 0.5)),
                        g.floats("bb", new long[] {16}, rand(r, 16, 0.1))));
        String rb = g.node("Relu", "relu_b", List.of(b));
        String cat = g.node("Concat", "cat", List.of(ra, rb), ProtoGraphBuilder.integer("axis", 1));
        String c = g.node(
                "Conv",
                "conv_c",
                List.of(cat, g.floats("wc", new long[] {16, 32, 3, 3}, rand(r, 16 * 32 * 9, 0.1))),
                ProtoGraphBuilder.ints("kernel_shape", 3, 3),
                ProtoGraphBuilder.ints("pads", 1, 1, 1, 1));
        String d = g.node("Relu", "relu_c", List.of(c));
        String dw = g.node(
                "Conv",
                "conv_dw",
                List.of(
                        d,
                        g.floats("wdw", new long[] {16, 1, 3, 3}, rand(r, 144, 0.3)),
                        g.floats("bdw", new long[] {16}, rand(r, 16, 0.1))),
                ProtoGraphBuilder.integer("group", 16),
                ProtoGraphBuilder.ints("kernel_shape", 3, 3),
                ProtoGraphBuilder.ints("pads", 1, 1, 1, 1));
        String e = g.node("Relu", "relu_dw", List.of(dw));
        String p = g.node("Conv", "conv_p", List.of(e, g.floats("wp", new long[] {16, 16, 1, 1}, rand(r, 256, 0.3))));
        String add = g.node("Add", "add", List.of(p, d));
        String pool = g.node("GlobalAveragePool", "pool", List.of(add));
        String flat = g.node("Flatten", "flat", List.of(pool), ProtoGraphBuilder.integer("axis", 1));
        String fc = g.node(
                "Gemm",
                "fc",
                List.of(
                        flat,
                        g.floats("wfc", new long[] {3, 16}, rand(r, 48, 1)),
                        g.floats("bfc", new long[] {3}, new float[3])),
                ProtoGraphBuilder.integer("transB", 1));
        String out = g.node("Softmax", "y", List.of(fc), ProtoGraphBuilder.integer("axis", 1));
        return g.model("x", new long[] {-1, 4, SIZE, SIZE}, out, new long[] {-1, 3}, "test net", Map.of());
    }

    static List<float[]> randomInputs(int count, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(rand(r, size, 1));
        }
        return out;
    }

    /** Normalised synthetic frames of each colour class; labels in {@code labels}. */
    static List<float[]> frames(int perClass, int size, long seed, List<Integer> labels) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < SyntheticFrames.LABELS.size(); k++) {
            for (int i = 0; i < perClass; i++) {
                byte[] rgb = SyntheticFrames.rgb(SyntheticFrames.LABELS.get(k), size, size, r);
                float[] x = new float[3 * size * size];
                for (int p = 0; p < size * size; p++) {
                    for (int c = 0; c < 3; c++) {
                        x[c * size * size + p] =
                                ((rgb[p * 3 + c] & 0xff) / 255f - FrameModelFactory.MEAN[c]) / FrameModelFactory.STD[c];
                    }
                }
                out.add(x);
                labels.add(k);
            }
        }
        return out;
    }

    static byte[] smallMobileNet() {
        return MobileNetV2StyleModelFactory.toOnnx(MobileNetV2StyleModelFactory.Spec.small())
                .toByteArray();
    }

    private static float[] rand(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static float[] positive(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 + r.nextDouble());
        }
        return v;
    }
}

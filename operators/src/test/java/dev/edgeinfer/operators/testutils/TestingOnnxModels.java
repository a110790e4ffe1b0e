package dev.edgeinfer.operators.testutils;

import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.operators.sensor.SensorFeatures;
import dev.edgeinfer.operators.sensor.SensorWindow;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Small, real ONNX files for tests, written with Tribuo's ONNX writer:
 * {@code score = sigmoid(features . W + b)} over {@link SensorFeatures}, so every score can be
 * computed by hand ({@link #expectedScore}). Two models that differ only in their bias stand for
 * two versions of one model whose scores are told apart at a glance.
 */
public final class TestingOnnxModels {

    /** Values per reading of the test windows. */
    public static final int CHANNELS = 4;
    /** Readings per test window. */
    public static final int WINDOW = 16;
    /** Feature width the sensor translator feeds: {@code CHANNELS * 8}. */
    public static final int FEATURES = SensorFeatures.featureCount(CHANNELS);

    private TestingOnnxModels() {}

    /** Weights chosen so scores spread over (0, 1) for the test windows. */
    public static float[] weights(int width) {
        float[] w = new float[width];
        for (int i = 0; i < width; i++) {
            w[i] = (float) (0.05 * Math.sin(i + 1) - 0.01 * (i % 3));
        }
        return w;
    }

    /**
     * Writes {@code features[N, width] -> Gemm(W[width, outputs], b) -> Sigmoid -> score[N, outputs]}
     * (every output column uses the same weights {@code w}).
     */
    public static Path linearSigmoidModel(Path file, int width, int outputs, float[] w, float bias) throws IOException {
        ONNXContext ctx = new ONNXContext();
        ctx.setName("sensor-anomaly-test");
        ONNXPlaceholder input = ctx.floatInput("features", width);
        ONNXPlaceholder output = ctx.floatOutput("score", outputs);
        ONNXInitializer weights = ctx.floatTensor("W", List.of(width, outputs), buffer -> {
            for (int i = 0; i < width; i++) {
                for (int o = 0; o < outputs; o++) {
                    buffer.put(w[i]);
                }
            }
        });
        float[] biases = new float[outputs];
        Arrays.fill(biases, bias);
        ONNXInitializer b = ctx.array("b", biases);
        input.apply(ONNXOperators.GEMM, List.<ONNXRef<?>>of(weights, b)).apply(ONNXOperators.SIGMOID).assignTo(output);
        OnnxMl.ModelProto model =
                OnnxMl.ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("edgeinfer-test")
                        .setGraph(ctx.buildGraph())
                        .addOpsetImport(ONNXOperators.getOpsetProto())
                        .build();
        return Files.write(file, model.toByteArray());
    }

    /** A model the sensor translator accepts ({@code features[-1, 32] -> score[-1, 1]}) with {@link #weights} and {@code bias}. */
    public static Path sensorModel(Path file, float bias) throws IOException {
        return linearSigmoidModel(file, FEATURES, 1, weights(FEATURES), bias);
    }

    /**
     * A copy of the ONNX model {@code source} whose first node calls an operator no ONNX
     * Runtime knows: a well-formed, self-contained ONNX file that ONNX Runtime refuses to load.
     */
    public static Path withUnknownOperator(Path source, Path file) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(source));
        OnnxMl.GraphProto graph = model.getGraph();
        OnnxMl.GraphProto broken =
                graph.toBuilder().setNode(0, graph.getNode(0).toBuilder().setOpType("EdgeInferNoSuchOperator")).build();
        return Files.write(file, model.toBuilder().setGraph(broken).build().toByteArray());
    }

    /**
     * A sensor model ({@code features[-1, 32] -> score[-1, 1]}) that is slow but small: its score
     * also depends on {@code matmuls} chained 512x512 matrix products seeded by the input (a
     * multiply by zero), so a warm-up takes seconds while no tensor exceeds 1 MiB.
     */
    public static Path slowModel(Path file, int matmuls) throws IOException {
        OnnxMl.ModelProto fast = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(sensorModel(file, 0f)));
        OnnxMl.GraphProto.Builder graph = fast.getGraph().toBuilder();
        String score = graph.getOutput(0).getName();
        int last = graph.getNodeCount() - 1;
        graph.setNode(last, graph.getNode(last).toBuilder().setOutput(0, "fast_score"));
        int n = 512;
        float[] a = new float[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 1f;
        }
        graph.addInitializer(floats("slow_a", new long[] {n, n}, a));
        graph.addInitializer(floats("slow_zero", new long[] {}, new float[] {0f}));
        graph.addNode(node("ReduceSum", List.of("features"), "slow_seed"));
        graph.addNode(node("Add", List.of("slow_a", "slow_seed"), "slow_0"));
        for (int i = 0; i < matmuls; i++) {
            graph.addNode(node("MatMul", List.of("slow_" + i, "slow_a"), "slow_" + (i + 1)));
        }
        graph.addNode(node("ReduceSum", List.of("slow_" + matmuls), "slow_total"));
        graph.addNode(node("Mul", List.of("slow_total", "slow_zero"), "slow_nothing"));
        graph.addNode(node("Add", List.of("fast_score", "slow_nothing"), score));
        return Files.write(file, fast.toBuilder().setGraph(graph).build().toByteArray());
    }

    private static OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output).build();
    }

    private static OnnxMl.TensorProto floats(String name, long[] dims, float[] values) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    /** {@code bytes} random bytes: not ONNX. */
    public static Path notOnnx(Path file, int bytes) throws IOException {
        byte[] junk = new byte[bytes];
        new Random(7).nextBytes(junk);
        return Files.write(file, junk);
    }

    /** The signature {@link #sensorModel} really has. */
    public static ModelSignature sensorSignature() {
        return signatureWithInputWidth(FEATURES);
    }

    /** {@code features[-1, width] -> score[-1, 1]}. */
    public static ModelSignature signatureWithInputWidth(int width) {
        return ModelSignature.declared(List.of(TensorSpec.of("features", -1, width)), List.of(TensorSpec.of("score", -1, 1)));
    }

    /** sigmoid(features . weights(32) + bias), computed in double, independently of ONNX Runtime. */
    public static double expectedScore(SensorWindow window, float bias) {
        float[] f = SensorFeatures.compute(window);
        float[] w = weights(FEATURES);
        double z = bias;
        for (int i = 0; i < FEATURES; i++) {
            z += (double) f[i] * w[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    /** {@code n} reproducible, varied windows {@code dev-0..dev-(n-1)} at event time 0. */
    public static List<SensorWindow> windows(int n, long seed) {
        Random random = new Random(seed);
        List<SensorWindow> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] values = new float[CHANNELS * WINDOW];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * (1 + k % 5)) + (k % 3 == 0 ? i * 0.1f : 0);
            }
            out.add(new SensorWindow("dev-" + k, k, 0, 0, 0, CHANNELS, values));
        }
        return out;
    }

    /** A window of {@code deviceId} whose event time ({@code endTs}) is {@code eventTime}; values vary with both. */
    public static SensorWindow window(String deviceId, long eventTime) {
        Random random = new Random(deviceId.hashCode() * 31L + eventTime);
        float[] values = new float[CHANNELS * WINDOW];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return new SensorWindow(deviceId, eventTime, eventTime - WINDOW + 1, eventTime, eventTime, CHANNELS, values);
    }

    /**
     * A deliberately slow model with the sensor signature, about 7 GFLOP per call whatever the
     * batch size (some 60 ms of CPU on one core of a 2026 x86 server with AVX-512, several times
     * that in wall time on a loaded host): far over any budget a test sets for the linear scorers
     * (about a millisecond of CPU a batch at most). See {@link #slowSensorModel(Path, int, int)}.
     */
    public static Path slowSensorModel(Path file) throws IOException {
        return slowSensorModel(file, 768, 8);
    }

    /**
     * {@code h = features . W_in} ({@code [N, width]}), {@code G = tanh(h^T h)}, then
     * {@code layers} times {@code G = tanh(G . G + 1)} ({@code 2 width^3} flops each, on tensors
     * computed from the input, so nothing is folded or pre-packed, and bounded, so no denormals),
     * and {@code score = sigmoid(h . (G . w_out))}. A small file, a big bill.
     */
    public static Path slowSensorModel(Path file, int width, int layers) throws IOException {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("slow-sensor-test");
        g.addInput(valueInfo("features", FEATURES));
        g.addOutput(valueInfo("score", 1));
        float[] in = new float[FEATURES * width];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (0.01 * Math.sin(i));
        }
        float[] out = new float[width];
        Arrays.fill(out, 0.001f);
        g.addInitializer(floats("W_in", in, FEATURES, width));
        g.addInitializer(floats("W_out", out, width, 1));
        g.addInitializer(floats("one", new float[] {1f}, 1, 1));
        g.addNode(node("MatMul", "features", "W_in", "h"));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Transpose").addInput("h").addOutput("hT"));
        g.addNode(node("MatMul", "hT", "h", "g0raw"));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Tanh").addInput("g0raw").addOutput("g0"));
        String x = "g0";
        for (int l = 1; l <= layers; l++) {
            g.addNode(node("MatMul", x, x, "sq" + l));
            g.addNode(node("Add", "sq" + l, "one", "sum" + l));
            g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Tanh").addInput("sum" + l).addOutput("g" + l));
            x = "g" + l;
        }
        g.addNode(node("MatMul", x, "W_out", "v"));
        g.addNode(node("MatMul", "h", "v", "z"));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Sigmoid").addInput("z").addOutput("score"));
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("edgeinfer-test")
                .setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13))
                .build();
        return Files.write(file, model.toByteArray());
    }

    private static OnnxMl.NodeProto.Builder node(String op, String a, String b, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).addInput(a).addInput(b).addOutput(out);
    }

    private static OnnxMl.TensorProto floats(String name, float[] values, long rows, long cols) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .addDims(rows)
                .addDims(cols);
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.setRawData(com.google.protobuf.ByteString.copyFrom(raw.array())).build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, int width) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
                .build();
    }
}

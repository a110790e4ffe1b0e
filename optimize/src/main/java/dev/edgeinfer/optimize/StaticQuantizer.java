package dev.edgeinfer.optimize;

import dev.edgeinfer.onnx.OnnxPieces;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static post-training int8 quantization in the QDQ format: the model's BatchNormalization is
 * folded first (ONNX Runtime basic optimisation), activation ranges are calibrated on sample
 * inputs, and QuantizeLinear/DequantizeLinear pairs are written around Conv, Gemm, MatMul, Add,
 * Concat and GlobalAveragePool. ONNX Runtime's QDQ transformer fuses them into QLinearConv etc.
 *
 * <p>Weights are symmetric int8 with zero-point 0, per output channel for Conv (axis 0; per tensor
 * below opset 13), per tensor for Gemm/MatMul; biases int32 at {@code input scale * weight scale}.
 * Activations are uint8, asymmetric, from the calibrated min/max (widened to include 0). A Relu or
 * Clip right after a quantized op is left in the float graph before the Q node, where ONNX Runtime
 * drops it as made redundant by the quantized range. {@link Options#reducedRange()} limits weights
 * to ±63 (7 bits), for x86 CPUs without VNNI whose u8×s8 instruction saturates.
 *
 * <pre>{@code
 * OnnxMl.ModelProto int8 = StaticQuantizer.quantize(modelBytes, calibrationSamples, Options.standard()).model();
 * }</pre>
 */
public final class StaticQuantizer {

    private static final Set<String> WEIGHTED = Set.of("Conv", "Gemm", "MatMul");
    private static final Set<String> ACTIVATION_ONLY = Set.of("Add", "Concat", "GlobalAveragePool");
    private static final Set<String> ABSORBED = Set.of("Relu", "Clip");

    private StaticQuantizer() {}

    /**
     * Quantization settings.
     *
     * @param reducedRange weights in [-63, 63] instead of [-127, 127]
     * @param calibrationThreads intra-op threads for the calibration runs
     */
    public record Options(boolean reducedRange, int calibrationThreads) {
        public static Options standard() {
            return new Options(false, 1);
        }

        public static Options reduced() {
            return new Options(true, 1);
        }

        int weightLimit() {
            return reducedRange ? 63 : 127;
        }
    }

    /**
     * The quantized model.
     *
     * @param model the QDQ model
     * @param quantizedWeights weighted nodes whose weights became int8
     * @param quantizedTensors activation tensors given a Q/DQ pair
     */
    public record Result(OnnxMl.ModelProto model, int quantizedWeights, int quantizedTensors) {}

    /** Folds, calibrates on {@code samples} (each one input sample, flattened) and quantizes. */
    public static Result quantize(byte[] model, List<float[]> samples, Options options) {
        if (samples.isEmpty()) {
            throw new OptimizationException("static quantization needs calibration samples, got none");
        }
        OnnxMl.ModelProto folded;
        try {
            folded = OnnxMl.ModelProto.parseFrom(OrtModel.basicOptimised(model));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new OptimizationException("cannot read the folded model", e);
        }
        Set<String> tensors = activationTensors(folded.getGraph());
        Map<String, float[]> ranges = calibrate(folded, tensors, samples, options.calibrationThreads());
        return rewrite(folded, ranges, options);
    }

    /** The activation tensors that get a Q/DQ pair, in graph order. */
    static Set<String> activationTensors(GraphProto graph) {
        Map<String, TensorProto> inits = OnnxProtos.initializers(graph);
        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        Map<String, List<NodeProto>> consumers = consumers(graph);
        Set<String> out = new LinkedHashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            boolean weighted = isWeighted(node, inits);
            boolean activationOnly = ACTIVATION_ONLY.contains(node.getOpType())
                    && node.getInputList().stream().noneMatch(inits::containsKey);
            if (!weighted && !activationOnly) {
                continue;
            }
            List<String> inputs = weighted ? node.getInputList().subList(0, 1) : node.getInputList();
            for (String in : inputs) {
                if (!in.isEmpty() && !graphOutputs.contains(in)) {
                    out.add(in);
                }
            }
            String produced = absorb(node.getOutput(0), consumers, inits);
            if (!graphOutputs.contains(produced)) {
                out.add(produced);
            }
        }
        return out;
    }

    private static boolean isWeighted(NodeProto node, Map<String, TensorProto> inits) {
        if (!WEIGHTED.contains(node.getOpType()) || node.getInputCount() < 2) {
            return false;
        }
        TensorProto w = inits.get(node.getInput(1));
        if (w == null || w.getDataType() != TensorProto.DataType.FLOAT.getNumber() || w.getDimsCount() < 2) {
            return false;
        }
        if (node.getOpType().equals("Gemm")) {
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                boolean unit = (a.getName().equals("alpha") || a.getName().equals("beta")) && a.getF() != 1f;
                if (unit || (a.getName().equals("transA") && a.getI() != 0)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A Relu/Clip that is a tensor's only consumer: quantize its output instead. */
    private static String absorb(
            String tensor, Map<String, List<NodeProto>> consumers, Map<String, TensorProto> inits) {
        List<NodeProto> users = consumers.getOrDefault(tensor, List.of());
        if (users.size() == 1 && ABSORBED.contains(users.get(0).getOpType())) {
            NodeProto act = users.get(0);
            boolean constantBounds =
                    act.getInputList().stream().skip(1).allMatch(n -> n.isEmpty() || inits.containsKey(n));
            if (constantBounds) {
                return act.getOutput(0);
            }
        }
        return tensor;
    }

    static Map<String, List<NodeProto>> consumers(GraphProto graph) {
        Map<String, List<NodeProto>> map = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                map.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return map;
    }

    /** Min/max of each tensor over the samples, each widened to include 0: {@code {min, max}}. */
    static Map<String, float[]> calibrate(
            OnnxMl.ModelProto model, Set<String> tensors, List<float[]> samples, int threads) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Set<String> existing = new HashSet<>();
        g.getOutputList().forEach(o -> existing.add(o.getName()));
        for (String t : tensors) {
            if (!existing.contains(t)) {
                g.addOutput(OnnxPieces.floatValueInfo(t, null));
            }
        }
        Map<String, float[]> ranges = new HashMap<>();
        try (OrtModel m = OrtModel.load(model.toBuilder().setGraph(g).build().toByteArray(), threads)) {
            for (float[] sample : samples) {
                m.runAll(sample).forEach((name, values) -> {
                    if (tensors.contains(name)) {
                        float[] r = ranges.computeIfAbsent(name, k -> new float[2]);
                        for (float v : values) {
                            r[0] = Math.min(r[0], v);
                            r[1] = Math.max(r[1], v);
                        }
                    }
                });
            }
        }
        return ranges;
    }

    /** Writes the QDQ graph for calibrated {@code ranges}. */
    static Result rewrite(OnnxMl.ModelProto model, Map<String, float[]> ranges, Options options) {
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> inits = OnnxProtos.initializers(graph);
        boolean perChannel = OnnxProtos.opset(model) >= 13;
        if (OnnxProtos.opset(model) < 10) {
            throw new OptimizationException("QDQ needs opset >= 10, the model has " + OnnxProtos.opset(model));
        }
        Map<String, Integer> uses = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getInputList().forEach(i -> uses.merge(i, 1, Integer::sum)));

        List<TensorProto> newInits = new ArrayList<>();
        Set<String> dropped = new HashSet<>();
        List<NodeProto> nodes = new ArrayList<>();
        Map<String, Float> scales = new HashMap<>();
        for (Map.Entry<String, float[]> e : ranges.entrySet()) {
            float min = e.getValue()[0];
            float max = e.getValue()[1];
            float scale = max > min ? (max - min) / 255f : 1f;
            int zp = Math.max(0, Math.min(255, Math.round(-min / scale)));
            scales.put(e.getKey(), scale);
            newInits.add(OnnxPieces.floatTensor(e.getKey() + "_scale", new long[0], new float[] {scale}));
            newInits.add(OnnxPieces.uint8Tensor(e.getKey() + "_zp", new long[0], new byte[] {(byte) zp}));
        }
        for (OnnxMl.ValueInfoProto in : graph.getInputList()) {
            if (ranges.containsKey(in.getName())) {
                nodes.add(quantizeNode(in.getName()));
            }
        }
        int weights = 0;
        int counter = 0;
        Set<String> quantizedShared = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            NodeProto.Builder b = node.toBuilder();
            for (int i = 0; i < node.getInputCount(); i++) {
                String in = node.getInput(i);
                if (ranges.containsKey(in)) {
                    String dq = in + "_dq" + (counter++);
                    nodes.add(OnnxPieces.node(
                            "DequantizeLinear", dq, List.of(in + "_q", in + "_scale", in + "_zp"), List.of(dq)));
                    b.setInput(i, dq);
                }
            }
            Float inputScale = scales.get(node.getInput(0));
            if (isWeighted(node, inits) && inputScale != null) {
                weights++;
                String wName = node.getInput(1);
                boolean conv = node.getOpType().equals("Conv");
                if (uses.get(wName) > 1 && !quantizedShared.add(wName)) {
                    throw new OptimizationException("weight " + wName + " is shared by several nodes; not supported");
                }
                float[] wScales =
                        quantizeWeight(inits.get(wName), conv && perChannel, options.weightLimit(), newInits, nodes);
                b.setInput(1, wName + "_dequantized");
                if (uses.get(wName) == 1) {
                    dropped.add(wName);
                }
                if (node.getInputCount() > 2 && inits.containsKey(node.getInput(2))) {
                    TensorProto bias = inits.get(node.getInput(2));
                    if (bias.getDimsCount() == 1 && (wScales.length == 1 || wScales.length == bias.getDims(0))) {
                        quantizeBias(bias, inputScale, wScales, newInits, nodes);
                        b.setInput(2, bias.getName() + "_dequantized");
                        if (uses.get(bias.getName()) == 1) {
                            dropped.add(bias.getName());
                        }
                    }
                }
            }
            nodes.add(b.build());
            for (String out : node.getOutputList()) {
                if (ranges.containsKey(out)) {
                    nodes.add(quantizeNode(out));
                }
            }
        }
        GraphProto.Builder g =
                graph.toBuilder().clearNode().addAllNode(nodes).clearValueInfo().clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            if (!dropped.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        g.addAllInitializer(newInits);
        return new Result(model.toBuilder().setGraph(g).build(), weights, ranges.size());
    }

    private static NodeProto quantizeNode(String tensor) {
        return OnnxPieces.node(
                "QuantizeLinear",
                tensor + "_quantize",
                List.of(tensor, tensor + "_scale", tensor + "_zp"),
                List.of(tensor + "_q"));
    }

    /** Symmetric int8 weights, zero-point 0; returns the scales (one, or one per output channel). */
    private static float[] quantizeWeight(
            TensorProto w, boolean perChannel, int limit, List<TensorProto> inits, List<NodeProto> nodes) {
        float[] values = OnnxProtos.floats(w);
        long[] dims = OnnxProtos.dims(w);
        int channels = perChannel ? (int) dims[0] : 1;
        int per = values.length / channels;
        float[] scales = new float[channels];
        byte[] q = new byte[values.length];
        for (int c = 0; c < channels; c++) {
            float maxAbs = 0;
            for (int i = c * per; i < (c + 1) * per; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(values[i]));
            }
            scales[c] = maxAbs > 0 ? maxAbs / limit : 1f;
            for (int i = c * per; i < (c + 1) * per; i++) {
                q[i] = (byte) Math.max(-limit, Math.min(limit, Math.round(values[i] / scales[c])));
            }
        }
        String name = w.getName();
        long[] scaleDims = perChannel ? new long[] {channels} : new long[0];
        dequantize(
                name,
                OnnxPieces.int8Tensor(name + "_quantized", dims, q),
                OnnxPieces.floatTensor(name + "_wscale", scaleDims, scales),
                OnnxPieces.int8Tensor(name + "_wzp", scaleDims, new byte[channels]),
                inits,
                nodes);
        return scales;
    }

    private static void quantizeBias(
            TensorProto bias, float inputScale, float[] wScales, List<TensorProto> inits, List<NodeProto> nodes) {
        float[] values = OnnxProtos.floats(bias);
        boolean perChannel = wScales.length > 1;
        float[] scales = new float[perChannel ? values.length : 1];
        int[] q = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            float s = inputScale * wScales[perChannel ? i : 0];
            scales[perChannel ? i : 0] = s;
            q[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.round((double) values[i] / s)));
        }
        String name = bias.getName();
        long[] scaleDims = perChannel ? new long[] {values.length} : new long[0];
        dequantize(
                name,
                OnnxPieces.int32Tensor(name + "_quantized", OnnxProtos.dims(bias), q),
                OnnxPieces.floatTensor(name + "_bscale", scaleDims, scales),
                OnnxPieces.int32Tensor(name + "_bzp", scaleDims, new int[scales.length]),
                inits,
                nodes);
    }

    /**
     * Adds the quantized tensor, its scale and zero point as initializers and a DequantizeLinear
     * from them to {@code name_dequantized} (per channel along axis 0 when the scale is a vector).
     */
    private static void dequantize(
            String name,
            TensorProto quantized,
            TensorProto scale,
            TensorProto zeroPoint,
            List<TensorProto> inits,
            List<NodeProto> nodes) {
        inits.add(quantized);
        inits.add(scale);
        inits.add(zeroPoint);
        OnnxMl.AttributeProto[] attrs = scale.getDimsCount() > 0
                ? new OnnxMl.AttributeProto[] {OnnxPieces.intAttribute("axis", 0)}
                : new OnnxMl.AttributeProto[0];
        nodes.add(OnnxPieces.node(
                "DequantizeLinear",
                name + "_dequantize",
                List.of(quantized.getName(), scale.getName(), zeroPoint.getName()),
                List.of(name + "_dequantized"),
                attrs));
    }
}

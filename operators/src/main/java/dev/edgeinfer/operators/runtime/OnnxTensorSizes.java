package dev.edgeinfer.operators.runtime;

import ai.onnx.proto.OnnxMl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds, before a model runs, a tensor larger than a memory limit: from the shapes its graph
 * declares (inputs, value infos, outputs, initializers) and those that follow from constant
 * shapes (Constant, Shape, Expand, ConstantOfShape, Tile, Reshape, broadcasting element-wise
 * operators, MatMul, Gemm, Concat). Dynamic dimensions of graph inputs count as {@code batch}
 * for the first and 1 elsewhere.
 *
 * <p><b>Guarantees and caveats.</b> A lower bound: sizes are counted at 4 bytes per element and
 * operators it does not know produce unknown shapes, so a graph can hide its size from it; the
 * warm-up time limit (with a terminated run) bounds those.
 */
final class OnnxTensorSizes {

    private static final Set<String> UNARY = Set.of("Relu", "Sigmoid", "Tanh", "Exp", "Log", "Abs", "Neg", "Sqrt",
            "Cast", "Identity", "Erf", "Clip", "LeakyRelu", "Softmax", "Dropout", "Reciprocal", "Floor", "Ceil");
    private static final Set<String> BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Where",
            "Equal", "Less", "Greater", "And", "Or", "Sum", "Mean");

    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, long[]> values = new HashMap<>();

    private OnnxTensorSizes() {}

    /** The largest tensor over {@code maxBytes}, described, or empty. */
    static Optional<String> overLimit(OnnxMl.GraphProto graph, long batch, long maxBytes) {
        OnnxTensorSizes sizes = new OnnxTensorSizes();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            sizes.constant(t.getName(), t);
        }
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            sizes.declared(v, batch);
        }
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            sizes.infer(node);
        }
        for (List<OnnxMl.ValueInfoProto> infos : List.of(graph.getValueInfoList(), graph.getOutputList())) {
            infos.forEach(v -> sizes.declared(v, batch));
        }
        String worst = null;
        double worstBytes = 0;
        for (Map.Entry<String, long[]> e : sizes.shapes.entrySet()) {
            double bytes = 4.0;
            for (long d : e.getValue()) {
                bytes *= Math.max(d, 0);
            }
            if (bytes > worstBytes) {
                worstBytes = bytes;
                worst = e.getKey();
            }
        }
        if (worst == null || worstBytes <= maxBytes) {
            return Optional.empty();
        }
        return Optional.of("tensor '" + worst + "' of shape " + Arrays.toString(sizes.shapes.get(worst)) + " needs "
                + String.format(java.util.Locale.ROOT, "%.0f", worstBytes) + " bytes or more; the warm-up memory limit is "
                + maxBytes + " bytes");
    }

    private void declared(OnnxMl.ValueInfoProto v, long batch) {
        if (shapes.containsKey(v.getName()) || !v.getType().hasTensorType()
                || !v.getType().getTensorType().hasShape()) {
            return;
        }
        List<OnnxMl.TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0 ? dims.get(i).getDimValue()
                    : (i == 0 ? batch : 1);
        }
        shapes.put(v.getName(), shape);
    }

    private void constant(String name, OnnxMl.TensorProto t) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        shapes.put(name, shape);
        if (t.getDataType() == OnnxMl.TensorProto.DataType.INT64_VALUE && shape.length <= 1) {
            if (t.getInt64DataCount() > 0) {
                values.put(name, t.getInt64DataList().stream().mapToLong(Long::longValue).toArray());
            } else if (!t.getRawData().isEmpty()) {
                ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] v = new long[raw.remaining() / Long.BYTES];
                raw.asLongBuffer().get(v);
                values.put(name, v);
            }
        }
    }

    private void infer(OnnxMl.NodeProto node) {
        if (node.getOutputCount() == 0) {
            return;
        }
        String out = node.getOutput(0);
        long[] in0 = node.getInputCount() > 0 ? shapes.get(node.getInput(0)) : null;
        long[] v1 = node.getInputCount() > 1 ? values.get(node.getInput(1)) : null;
        String op = node.getOpType();
        long[] result = null;
        if (op.equals("Constant")) {
            node.getAttributeList().stream().filter(a -> a.getName().equals("value")).findFirst()
                    .ifPresent(a -> constant(out, a.getT()));
            return;
        } else if (op.equals("Shape") && in0 != null) {
            values.put(out, in0.clone());
            result = new long[] {in0.length};
        } else if (op.equals("ConstantOfShape") && values.containsKey(node.getInput(0))) {
            result = values.get(node.getInput(0)).clone();
        } else if (op.equals("Expand") && in0 != null && v1 != null) {
            result = broadcast(in0, v1);
        } else if (op.equals("Tile") && in0 != null && v1 != null && v1.length == in0.length) {
            result = new long[in0.length];
            for (int i = 0; i < in0.length; i++) {
                result[i] = in0[i] * v1[i];
            }
        } else if (op.equals("Reshape") && in0 != null && v1 != null) {
            result = reshape(in0, v1);
        } else if (UNARY.contains(op) && in0 != null) {
            result = in0.clone();
        } else if (BROADCAST.contains(op)) {
            result = broadcastAll(node);
        } else if ((op.equals("MatMul") || op.equals("Gemm")) && in0 != null && in0.length >= 2
                && shapes.containsKey(node.getInput(1)) && shapes.get(node.getInput(1)).length >= 2) {
            long[] b = shapes.get(node.getInput(1));
            result = in0.clone();
            boolean transA = op.equals("Gemm") && intAttr(node, "transA") == 1;
            boolean transB = op.equals("Gemm") && intAttr(node, "transB") == 1;
            if (transA) {
                result[result.length - 2] = in0[in0.length - 1];
            }
            result[result.length - 1] = transB ? b[b.length - 2] : b[b.length - 1];
        }
        if (result != null) {
            shapes.put(out, result);
        }
    }

    private long[] broadcastAll(OnnxMl.NodeProto node) {
        long[] result = new long[0];
        for (String input : node.getInputList()) {
            long[] s = shapes.get(input);
            if (s == null) {
                return null;
            }
            result = broadcast(result, s);
        }
        return result;
    }

    private static long[] broadcast(long[] a, long[] b) {
        long[] r = new long[Math.max(a.length, b.length)];
        for (int i = 0; i < r.length; i++) {
            long x = i < r.length - a.length ? 1 : a[i - (r.length - a.length)];
            long y = i < r.length - b.length ? 1 : b[i - (r.length - b.length)];
            r[i] = Math.max(x, y);
        }
        return r;
    }

    private static long[] reshape(long[] in, long[] target) {
        long total = 1;
        for (long d : in) {
            total *= Math.max(d, 1);
        }
        long[] r = target.clone();
        long known = 1;
        int free = -1;
        for (int i = 0; i < r.length; i++) {
            if (r[i] == 0 && i < in.length) {
                r[i] = in[i];
            }
            if (r[i] < 0) {
                free = i;
            } else {
                known *= Math.max(r[i], 1);
            }
        }
        if (free >= 0) {
            r[free] = Math.max(1, total / Math.max(known, 1));
        }
        return r;
    }

    private static long intAttr(OnnxMl.NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(
                OnnxMl.AttributeProto::getI).findFirst().orElse(0);
    }
}

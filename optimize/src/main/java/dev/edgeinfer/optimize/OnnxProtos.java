package dev.edgeinfer.optimize;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Small helpers over the ONNX protobuf classes ({@code ai.onnx.proto.OnnxMl}, from
 * {@code tribuo-util-onnx}): read and write models, read tensors and attributes. Tensors,
 * attributes and nodes are made with {@link dev.edgeinfer.onnx.OnnxPieces}.
 *
 * <pre>{@code
 * OnnxMl.ModelProto model = OnnxProtos.read(Path.of("m.onnx"));
 * float[] w = OnnxProtos.floats(OnnxProtos.initializers(model.getGraph()).get("conv_w"));
 * }</pre>
 */
public final class OnnxProtos {

    private OnnxProtos() {}

    /** Reads an ONNX model file. */
    public static OnnxMl.ModelProto read(Path file) throws IOException {
        try {
            return OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new OptimizationException("not an ONNX model: " + file, e);
        }
    }

    /** Writes {@code model} to {@code file}, creating its directory. */
    public static void write(OnnxMl.ModelProto model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.write(file, model.toByteArray());
    }

    /** The graph's initializers by name. */
    public static Map<String, TensorProto> initializers(OnnxMl.GraphProto graph) {
        Map<String, TensorProto> map = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            map.put(t.getName(), t);
        }
        return map;
    }

    /** The values of a float tensor (raw or typed storage). */
    public static float[] floats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            throw new OptimizationException(
                    "tensor " + t.getName() + " is not float (data type " + t.getDataType() + ")");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new OptimizationException("tensor " + t.getName() + " has external data; not supported");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    /** A tensor's dimensions. */
    public static long[] dims(TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    /** Number of elements for {@code dims}. */
    public static int numel(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** Raw int8 values of an int8 tensor. */
    public static byte[] int8s(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.INT8.getNumber()) {
            throw new OptimizationException(
                    "tensor " + t.getName() + " is not int8 (data type " + t.getDataType() + ")");
        }
        if (!t.getRawData().isEmpty()) {
            return t.getRawData().toByteArray();
        }
        byte[] out = new byte[t.getInt32DataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) t.getInt32Data(i);
        }
        return out;
    }

    /** An integer attribute, or {@code fallback} when absent. */
    public static long intAttr(NodeProto node, String name, long fallback) {
        AttributeProto a = attribute(node, name);
        return a == null ? fallback : a.getI();
    }

    /** An integer-list attribute, or null when absent. */
    public static List<Long> intsAttr(NodeProto node, String name) {
        AttributeProto a = attribute(node, name);
        return a == null ? null : a.getIntsList();
    }

    private static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** {@code node} with attribute {@code name} replaced by (or added as) {@code attribute}. */
    public static NodeProto withAttribute(NodeProto node, AttributeProto attribute) {
        NodeProto.Builder b = node.toBuilder().clearAttribute();
        boolean replaced = false;
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(attribute.getName())) {
                b.addAttribute(attribute);
                replaced = true;
            } else {
                b.addAttribute(a);
            }
        }
        if (!replaced) {
            b.addAttribute(attribute);
        }
        return b.build();
    }

    /** The default-domain opset the model imports (0 when none). */
    public static long opset(OnnxMl.ModelProto model) {
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 0;
    }
}

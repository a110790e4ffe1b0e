package dev.edgeinfer.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The pieces of an ONNX graph on the protobuf classes ({@code ai.onnx.proto.OnnxMl}, from
 * {@code tribuo-util-onnx}): initializer tensors in raw little-endian storage, attributes, nodes
 * and float value infos. The model factories (which must write the same bytes for the same
 * arguments) and the graph rewrites in {@code optimize} both build their graphs from these.
 *
 * <pre>{@code
 * TensorProto w = OnnxPieces.floatTensor("conv_w", new long[] {8, 3, 3, 3}, weights);
 * NodeProto conv = OnnxPieces.node("Conv", "conv", List.of("x", "conv_w"), List.of("y"),
 *         OnnxPieces.intsAttribute("kernel_shape", 3, 3));
 * }</pre>
 */
public final class OnnxPieces {

    private OnnxPieces() {}

    /** A float tensor in raw little-endian storage. */
    public static TensorProto floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer b = littleEndian(values.length * 4);
        b.asFloatBuffer().put(values);
        return tensor(name, TensorProto.DataType.FLOAT, dims, b.array());
    }

    /** An int8 tensor. */
    public static TensorProto int8Tensor(String name, long[] dims, byte[] values) {
        return tensor(name, TensorProto.DataType.INT8, dims, values);
    }

    /** A uint8 tensor (values 0..255 stored in bytes). */
    public static TensorProto uint8Tensor(String name, long[] dims, byte[] values) {
        return tensor(name, TensorProto.DataType.UINT8, dims, values);
    }

    /** An int32 tensor. */
    public static TensorProto int32Tensor(String name, long[] dims, int[] values) {
        ByteBuffer b = littleEndian(values.length * 4);
        b.asIntBuffer().put(values);
        return tensor(name, TensorProto.DataType.INT32, dims, b.array());
    }

    /** An int64 tensor. */
    public static TensorProto int64Tensor(String name, long[] dims, long[] values) {
        ByteBuffer b = littleEndian(values.length * 8);
        b.asLongBuffer().put(values);
        return tensor(name, TensorProto.DataType.INT64, dims, b.array());
    }

    private static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A tensor of {@code type} whose raw data is {@code raw} (copied). */
    public static TensorProto tensor(String name, TensorProto.DataType type, long[] dims, byte[] raw) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            b.addDims(d);
        }
        return b.setRawData(ByteString.copyFrom(raw)).build();
    }

    /** An INT attribute. */
    public static AttributeProto intAttribute(String name, long value) {
        return attribute(name, AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** An INTS attribute. */
    public static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder b = attribute(name, AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /** A FLOAT attribute. */
    public static AttributeProto floatAttribute(String name, float value) {
        return attribute(name, AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private static AttributeProto.Builder attribute(String name, AttributeProto.AttributeType type) {
        return AttributeProto.newBuilder().setName(name).setType(type);
    }

    /** A node. */
    public static NodeProto node(
            String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /**
     * A float tensor value info: with no shape when {@code dims} is null (extra graph outputs),
     * else with those dimensions, {@code -1} written as the parameter {@code batch}.
     */
    public static OnnxMl.ValueInfoProto floatValueInfo(String name, long[] dims) {
        OnnxMl.TypeProto.Tensor.Builder tensor =
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber());
        if (dims != null) {
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
            for (long d : dims) {
                shape.addDim(
                        d < 0
                                ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                                : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            tensor.setShape(shape);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor))
                .build();
    }
}

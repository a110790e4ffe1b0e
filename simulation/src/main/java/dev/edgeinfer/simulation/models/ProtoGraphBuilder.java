package dev.edgeinfer.simulation.models;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes ONNX graphs node by node on the protobuf classes, for models Tribuo's builder cannot
 * express conveniently (strided, padded, grouped convolutions, BatchNormalization, Concat). Names
 * are given by the caller, so the same calls give the same bytes.
 *
 * <pre>{@code
 * ProtoGraphBuilder g = new ProtoGraphBuilder("net");
 * String y = g.node("Relu", "relu1", List.of("x"));
 * OnnxMl.ModelProto m = g.model("x", new long[] {-1, 3, 8, 8}, y, new long[] {-1, 3, 8, 8}, "doc", Map.of());
 * }</pre>
 */
public final class ProtoGraphBuilder {

    /** The default-domain opset of the models written (QDQ per-channel needs 13). */
    public static final long OPSET = 13;

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();

    public ProtoGraphBuilder(String name) {
        graph.setName(name);
    }

    /** Adds a float initializer. */
    public String floats(String name, long[] dims, float[] values) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has " + values.length + " values for dims " + java.util.Arrays.toString(dims));
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t.setRawData(com.google.protobuf.ByteString.copyFrom(b.array())));
        return name;
    }

    /** Adds node {@code name} with one output named like the node; returns the output. */
    public String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addOutput(name);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return name;
    }

    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    public static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    public static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    /**
     * The model: one float input and one float output ({@code -1} dims become a {@code batch}
     * parameter), fixed producer, metadata in key order.
     */
    public OnnxMl.ModelProto model(
            String input,
            long[] inputDims,
            String output,
            long[] outputDims,
            String doc,
            Map<String, String> metadata) {
        graph.addInput(valueInfo(input, inputDims)).addOutput(valueInfo(output, outputDims));
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(OnnxGraphs.IR_VERSION)
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName(OnnxGraphs.PRODUCER_NAME)
                .setProducerVersion(OnnxGraphs.PRODUCER_VERSION)
                .setDomain(SensorModelFactory.DOMAIN)
                .setDocString(doc)
                .setGraph(graph);
        new TreeMap<>(metadata)
                .forEach((k, v) -> m.addMetadataProps(
                        OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, long[] dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(
                    d < 0
                            ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                            : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }
}

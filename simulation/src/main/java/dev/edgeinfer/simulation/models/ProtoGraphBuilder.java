package dev.edgeinfer.simulation.models;

import dev.edgeinfer.onnx.OnnxPieces;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;

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
        graph.addInitializer(OnnxPieces.floatTensor(name, dims, values));
        return name;
    }

    /** Adds node {@code name} with one output named like the node; returns the output. */
    public String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
        graph.addNode(OnnxPieces.node(op, name, inputs, List.of(name), attributes));
        return name;
    }

    public static AttributeProto ints(String name, long... values) {
        return OnnxPieces.intsAttribute(name, values);
    }

    public static AttributeProto integer(String name, long value) {
        return OnnxPieces.intAttribute(name, value);
    }

    public static AttributeProto real(String name, float value) {
        return OnnxPieces.floatAttribute(name, value);
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
        graph.addInput(OnnxPieces.floatValueInfo(input, inputDims))
                .addOutput(OnnxPieces.floatValueInfo(output, outputDims));
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
}

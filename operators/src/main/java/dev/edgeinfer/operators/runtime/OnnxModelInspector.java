package dev.edgeinfer.operators.runtime;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Looks inside an ONNX file before ONNX Runtime loads it, to refuse what must never be loaded:
 * bytes that are not an ONNX model, and models whose tensors live in <em>external data</em>
 * files. ONNX Runtime resolves external data paths relative to the model's directory (and
 * accepts {@code ..}); a released model must be self-contained, or a crafted release could make
 * a subtask read files outside the model cache. With a memory limit it also refuses graphs
 * with a tensor larger than the limit ({@link OnnxTensorSizes}), before anything runs.
 */
public final class OnnxModelInspector {

    /** Protobuf's default recursion limit is 100; ONNX graphs nest subgraphs (If/Loop) rarely deeper. */
    private static final int MAX_NESTING = 200;

    private OnnxModelInspector() {}

    /** What is wrong with a file, if anything. */
    public record Finding(ModelLoadException.Reason reason, String diagnosis) {}

    /** Empty if the file is a self-contained ONNX model, otherwise why not. */
    public static Optional<Finding> inspect(Path file) throws IOException {
        return inspect(file, 1, Long.MAX_VALUE);
    }

    /**
     * Like {@link #inspect(Path)}, and {@code RESOURCE_LIMIT} if a tensor of the graph (dynamic
     * dimensions at {@code batch}) needs more than {@code maxTensorBytes}.
     */
    public static Optional<Finding> inspect(Path file, long batch, long maxTensorBytes) throws IOException {
        OnnxMl.ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            coded.setRecursionLimit(MAX_NESTING);
            model = OnnxMl.ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            return Optional.of(new Finding(ModelLoadException.Reason.NOT_ONNX,
                    "not an ONNX model (protobuf: " + e.getMessage() + ")"));
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getOpsetImportCount() == 0) {
            return Optional.of(new Finding(ModelLoadException.Reason.NOT_ONNX,
                    "not an ONNX model: no graph, nodes or opset import (ir_version " + model.getIrVersion() + ")"));
        }
        Optional<Finding> external = externalData(model.getGraph());
        if (external.isPresent() || maxTensorBytes == Long.MAX_VALUE) {
            return external;
        }
        return OnnxTensorSizes.overLimit(model.getGraph(), batch, maxTensorBytes)
                .map(diagnosis -> new Finding(ModelLoadException.Reason.RESOURCE_LIMIT, diagnosis));
    }

    private static Optional<Finding> externalData(OnnxMl.GraphProto graph) {
        for (OnnxMl.TensorProto tensor : graph.getInitializerList()) {
            Optional<Finding> f = externalData(tensor);
            if (f.isPresent()) {
                return f;
            }
        }
        for (OnnxMl.SparseTensorProto sparse : graph.getSparseInitializerList()) {
            Optional<Finding> f = externalData(sparse.getValues()).or(() -> externalData(sparse.getIndices()));
            if (f.isPresent()) {
                return f;
            }
        }
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            for (OnnxMl.AttributeProto attribute : node.getAttributeList()) {
                Optional<Finding> f = externalData(attribute.getT());
                for (OnnxMl.TensorProto t : attribute.getTensorsList()) {
                    f = f.or(() -> externalData(t));
                }
                if (attribute.hasG()) {
                    f = f.or(() -> externalData(attribute.getG()));
                }
                for (OnnxMl.GraphProto g : attribute.getGraphsList()) {
                    f = f.or(() -> externalData(g));
                }
                if (f.isPresent()) {
                    return f;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Finding> externalData(OnnxMl.TensorProto tensor) {
        if (tensor.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL || tensor.getExternalDataCount() > 0) {
            String location = tensor.getExternalDataList().stream()
                    .filter(e -> e.getKey().equals("location"))
                    .map(OnnxMl.StringStringEntryProto::getValue)
                    .findFirst()
                    .orElse("?");
            return Optional.of(new Finding(ModelLoadException.Reason.EXTERNAL_DATA,
                    "tensor '" + tensor.getName() + "' refers to external data file '" + location
                            + "'; released models must be self-contained"));
        }
        return Optional.empty();
    }
}

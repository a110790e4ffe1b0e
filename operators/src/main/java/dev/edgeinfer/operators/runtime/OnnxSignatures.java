package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;

import ai.djl.engine.Engine;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX file's declared inputs and outputs (names and shapes) from ONNX Runtime.
 *
 * <p>DJL 0.38's OnnxRuntime engine reports input names without shapes and cannot describe
 * outputs, so this opens a short-lived, unoptimised ONNX Runtime session on the file. DJL's
 * engine is started first: creating ONNX Runtime's environment before DJL does makes DJL fail
 * later ("an OrtEnvironment already exists").
 *
 * <pre>{@code
 * ModelSignature graph = OnnxSignatures.read(Path.of("/models/v2.onnx"));
 * String problem = release.signature().mismatchWith(graph);   // null when it fits
 * }</pre>
 */
public final class OnnxSignatures {

    static {
        OnnxRuntimeSetup.disableNetworkAccess();
    }

    private OnnxSignatures() {}

    /** The graph's inputs and outputs, in graph order. */
    public static ModelSignature read(Path file) throws OrtException {
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
            sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            sessionOptions.setIntraOpNumThreads(1);
            sessionOptions.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(file.toString(), sessionOptions)) {
                return new ModelSignature(toSpecs(session.getInputInfo()), toSpecs(session.getOutputInfo()));
            }
        }
    }

    private static List<TensorSpec> toSpecs(Map<String, NodeInfo> nodes) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            long[] shape = node.getInfo() instanceof TensorInfo tensor ? tensor.getShape() : null;
            specs.add(new TensorSpec(node.getName(), shape));
        }
        return specs;
    }
}

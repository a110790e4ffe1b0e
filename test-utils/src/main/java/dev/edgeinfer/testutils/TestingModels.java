package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.onnx.OnnxPieces;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real ONNX models built once per test JVM by the project's model factory. */
public final class TestingModels {

    private static final Map<String, BuiltModel> BUILT = new ConcurrentHashMap<>();
    private static Path dir;

    private TestingModels() {}

    public static BuiltModel v1() {
        return BUILT.computeIfAbsent("v1", v -> build(SensorModelSpec.v1()));
    }

    public static BuiltModel v2() {
        return BUILT.computeIfAbsent("v2", v -> build(SensorModelSpec.v2()));
    }

    /**
     * A model that disagrees with {@link #v1()} on purpose: v1's graph with its score {@code s}
     * replaced by {@code 1 - s} (same input, output name and shape), version {@code v1-inverted}.
     * At the 0.5 threshold it flags exactly the windows v1 does not (a score of exactly 0.5
     * aside), so a shadow of it against v1 agrees on next to nothing.
     */
    public static BuiltModel inverted() {
        return BUILT.computeIfAbsent("v1-inverted", v -> invert(v1(), v));
    }

    private static BuiltModel invert(BuiltModel original, String version) {
        try {
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(original.file()));
            OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
            String score = original.outputName();
            String raw = score + "_before_inversion";
            for (OnnxMl.NodeProto.Builder node : graph.getNodeBuilderList()) {
                for (int i = 0; i < node.getOutputCount(); i++) {
                    if (node.getOutput(i).equals(score)) {
                        node.setOutput(i, raw);
                    }
                }
            }
            graph.addInitializer(OnnxPieces.floatTensor("inversion_one", new long[] {1}, new float[] {1f}));
            graph.addNode(OnnxPieces.node("Sub", "inversion", List.of("inversion_one", raw), List.of(score)));
            OnnxMl.ModelProto.Builder inverted = model.toBuilder().setGraph(graph);
            for (OnnxMl.StringStringEntryProto.Builder entry : inverted.getMetadataPropsBuilderList()) {
                if (entry.getKey().equals("edgeinfer.version")) {
                    entry.setValue(version);
                }
            }
            Path file = original.file().resolveSibling(original.id().name() + "-" + version + ".onnx");
            Files.write(file, inverted.build().toByteArray());
            return new BuiltModel(ModelId.of(original.id().name(), version, Sha256.of(file)), file, original.channels(),
                    original.windowSize(), original.featureCount(), original.inputName(), score,
                    Double.NaN, Double.NaN, Map.of()); // held-out quality not measured
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory the models are built in (a job's {@code model.files-root}). */
    public static synchronized Path dir() {
        v1();
        return dir;
    }

    private static synchronized BuiltModel build(SensorModelSpec spec) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("edgeinfer-test-models");
                dir.toFile().deleteOnExit();
            }
            return SensorModelFactory.build(spec, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

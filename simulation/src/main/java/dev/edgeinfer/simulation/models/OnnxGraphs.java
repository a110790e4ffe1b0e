package dev.edgeinfer.simulation.models;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Helpers for writing ONNX graphs with Tribuo's ONNX builder, shared by the model factories.
 *
 * <p>The models are content-addressed (a {@link dev.edgeinfer.broadcast.release.ModelId} carries the
 * file's sha256), so the same inputs must give the same bytes: {@link #reproducibleModel} builds
 * the {@code ModelProto} itself instead of Tribuo's {@code ONNXExportable.buildModel}, which
 * embeds the training provenance (with timestamps and host details) as doc string and metadata.
 */
public final class OnnxGraphs {

    /** {@code producer_name} of every model we write. */
    public static final String PRODUCER_NAME = "edgeinfer-model-factory";
    /**
     * {@code producer_version}: a constant, not the build version, so rebuilding the project does
     * not change the model bytes. Bump it when the factory changes what it writes.
     */
    public static final String PRODUCER_VERSION = "1";
    /** The ONNX IR version that goes with Tribuo's operator set (opset 13, ONNX 1.8). */
    static final long IR_VERSION = 7;

    private OnnxGraphs() {}

    /** Appends {@code (input - mean) / std}, feature-wise over a {@code [N, F]} input. */
    public static ONNXNode standardise(ONNXRef<?> input, float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " values, std " + std.length);
        }
        ONNXContext ctx = input.onnxContext();
        return input.apply(ONNXOperators.SUB, ctx.array("feature_mean", mean))
                .apply(ONNXOperators.DIV, ctx.array("feature_std", std));
    }

    /** Appends the selection of one column of a {@code [N, K]} matrix, as a {@code [N, 1]} matrix. */
    public static ONNXNode column(ONNXRef<?> matrix, int column) {
        if (column < 0) {
            throw new IllegalArgumentException("column must be >= 0, got " + column);
        }
        ONNXContext ctx = matrix.onnxContext();
        // Gather with 1-D indices keeps the axis: [N, K] -> [N, 1].
        return matrix.apply(ONNXOperators.GATHER, ctx.array("column_index", new long[] {column}), Map.of("axis", 1));
    }

    /**
     * A model around {@code ctx}'s graph whose bytes depend only on the graph and the arguments:
     * fixed producer, no provenance, metadata in key order.
     *
     * @param ctx the graph, with its inputs and outputs declared
     * @param domain reverse-DNS model domain, e.g. {@code dev.edgeinfer}
     * @param modelVersion the ONNX {@code model_version}
     * @param docString a human-readable description
     * @param metadata {@code metadata_props}, written sorted by key
     */
    public static OnnxMl.ModelProto reproducibleModel(
            ONNXContext ctx, String domain, long modelVersion, String docString, Map<String, String> metadata) {
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName(PRODUCER_NAME)
                .setProducerVersion(PRODUCER_VERSION)
                .setDomain(Objects.requireNonNull(domain, "domain"))
                .setModelVersion(modelVersion)
                .setDocString(Objects.requireNonNull(docString, "docString"))
                .setGraph(ctx.buildGraph());
        new TreeMap<>(metadata).forEach((key, value) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    /**
     * Writes {@code model} to {@code file} atomically (via a temporary file in the same
     * directory), so a watcher never sees a half-written model.
     */
    public static void write(OnnxMl.ModelProto model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, model.toByteArray());
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

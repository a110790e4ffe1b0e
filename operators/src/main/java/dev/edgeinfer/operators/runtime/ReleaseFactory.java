package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;

import ai.onnxruntime.OrtException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Describes an ONNX file as a {@link ModelRelease}: sha256, size, {@code file:} URI and the
 * signature ONNX Runtime reads from the graph (what the publisher declares and every subtask
 * checks again after loading).
 *
 * <pre>{@code
 * ModelRelease r = ReleaseFactory.fromFile("sensor-anomaly", "v2", Path.of("/models/v2.onnx"),
 *         activateAt, 100, "alice@ml-team", System.currentTimeMillis());
 * }</pre>
 */
public final class ReleaseFactory {

    private ReleaseFactory() {}

    /**
     * @param activateAt event time (epoch ms) from which the version serves
     * @param canaryPercent 1..100 (100 = everyone)
     * @param publishedAt wall-clock publication time; part of the release's identity, so pass a
     *     fixed value for a release that must be reproducible (e.g. from job configuration)
     */
    public static ModelRelease fromFile(
            String model, String version, Path file, long activateAt, int canaryPercent, String publisher, long publishedAt)
            throws IOException {
        return fromFile(model, version, file, activateAt, canaryPercent, publisher, publishedAt, Map.of());
    }

    /**
     * As {@link #fromFile(String, String, Path, long, int, String, long)}, with release
     * {@code metadata} (signed with the release), e.g. an image classifier's {@code image.mean},
     * {@code image.std} and {@code labels}.
     */
    public static ModelRelease fromFile(String model, String version, Path file, long activateAt, int canaryPercent,
            String publisher, long publishedAt, Map<String, String> metadata) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw new IOException("no such model file: " + absolute);
        }
        ModelSignature signature;
        try {
            signature = OnnxSignatures.read(absolute);
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot read " + absolute + " as a model: " + e.getMessage(), e);
        }
        return ModelRelease.builder()
                .model(model)
                .version(version)
                .sha256(Sha256.of(absolute))
                .uri(absolute.toUri().toString())
                .sizeBytes(Files.size(absolute))
                .signature(declared(signature))
                .activateAt(activateAt)
                .canaryPercent(canaryPercent)
                .publisher(publisher)
                .publishedAt(publishedAt)
                .metadata(metadata)
                .build();
    }

    /** The {@code metadata_props} an ONNX file carries (key order), without loading the model. */
    public static Map<String, String> onnxMetadata(Path file) throws IOException {
        ai.onnx.proto.OnnxMl.ModelProto proto;
        try (var in = Files.newInputStream(file)) {
            proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException(file + " is not an ONNX model: " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        proto.getMetadataPropsList().forEach(p -> out.put(p.getKey(), p.getValue()));
        return out;
    }

    /**
     * The graph's signature in the form a release declares: a shape ONNX Runtime cannot describe
     * (a non-tensor output) is declared a scalar, which the declared-signature check then skips.
     */
    public static ModelSignature declared(ModelSignature graph) {
        return ModelSignature.declared(known(graph.inputs()), known(graph.outputs()));
    }

    private static List<TensorSpec> known(List<TensorSpec> tensors) {
        List<TensorSpec> out = new ArrayList<>();
        for (TensorSpec t : tensors) {
            out.add(t.hasKnownShape() ? t : new TensorSpec(t.name(), new long[0]));
        }
        return out;
    }
}

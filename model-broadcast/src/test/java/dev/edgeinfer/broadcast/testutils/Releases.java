package dev.edgeinfer.broadcast.testutils;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test fixtures: valid releases with sensible defaults. */
public final class Releases {

    public static final ModelSignature SIGNATURE = ModelSignature.declared(
            List.of(TensorSpec.of("features", -1, 32)), List.of(TensorSpec.of("score", -1, 1)));

    private Releases() {}

    public static String sha(String seed) {
        return Sha256.of(seed.getBytes(StandardCharsets.UTF_8));
    }

    public static ModelRelease.Builder release(String model, String version, long activateAt) {
        return ModelRelease.builder()
                .model(model)
                .version(version)
                .sha256(sha(model + ":" + version))
                .uri("file:///models/" + model + "-" + version + ".onnx")
                .sizeBytes(1234)
                .signature(SIGNATURE)
                .activateAt(activateAt)
                .canaryPercent(100)
                .publisher("tester")
                .publishedAt(1_000);
    }

    public static ModelRelease full(String model, String version, long activateAt) {
        return release(model, version, activateAt).build();
    }

    public static ModelRelease canary(String model, String version, long activateAt, int percent) {
        return release(model, version, activateAt).canaryPercent(percent).build();
    }
}

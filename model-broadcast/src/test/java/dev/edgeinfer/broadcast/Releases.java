package dev.edgeinfer.broadcast;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test fixtures: valid releases with sensible defaults. */
final class Releases {

    static final DeclaredSignature SIGNATURE = new DeclaredSignature(
            List.of(TensorDecl.of("features", -1, 32)), List.of(TensorDecl.of("score", -1, 1)));

    private Releases() {}

    static String sha(String seed) {
        return Sha256.of(seed.getBytes(StandardCharsets.UTF_8));
    }

    static ModelRelease.Builder release(String model, String version, long activateAt) {
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

    static ModelRelease full(String model, String version, long activateAt) {
        return release(model, version, activateAt).build();
    }

    static ModelRelease canary(String model, String version, long activateAt, int percent) {
        return release(model, version, activateAt).canaryPercent(percent).build();
    }
}

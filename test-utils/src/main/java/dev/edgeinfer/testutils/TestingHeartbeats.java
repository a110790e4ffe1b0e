package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Synthetic status streams for the rollout controller's tests: releases of made-up bytes and
 * heartbeats with exactly the health a test asks for.
 */
public final class TestingHeartbeats {

    /** The model every release and heartbeat here is of. */
    public static final String MODEL = "sensor-anomaly";

    /** Healthy scores: most in the lowest bin, a few anomalies. */
    public static final long[] LOW_SCORES = {900, 40, 20, 10, 5, 5, 5, 5, 5, 5};
    /** Drifted scores: nearly everything flagged. */
    public static final long[] HIGH_SCORES = {5, 5, 5, 5, 5, 5, 10, 20, 40, 900};

    private TestingHeartbeats() {}

    /** A release of {@code version} (bytes made up from the version) at {@code activateAt}. */
    public static ModelRelease release(String version, long activateAt, int canaryPercent, ReleaseTarget targets) {
        return ModelRelease.builder()
                .model(MODEL)
                .version(version)
                .sha256(Sha256.of(version.getBytes(StandardCharsets.UTF_8)))
                .uri("file:///models/" + version + ".onnx")
                .sizeBytes(1024)
                .signature(ModelSignature.declared(List.of(TensorSpec.of("features", -1, 32)),
                        List.of(TensorSpec.of("score", -1, 1))))
                .activateAt(activateAt)
                .canaryPercent(canaryPercent)
                .targets(targets)
                .publisher("release-team")
                .publishedAt(activateAt)
                .build();
    }

    /** A full activation of {@code version} for every site. */
    public static ModelRelease full(String version, long activateAt) {
        return release(version, activateAt, 100, ReleaseTarget.ALL);
    }

    /**
     * A heartbeat of {@code release}'s version from {@code site} at {@code at}, over a 10 s interval:
     * {@code scored} records, {@code errors} of them NaN/Inf, {@code bins} scaled to the records
     * scored, p99 {@code p99Micros}.
     */
    public static ModelStatus heartbeat(String site, ModelRelease release, long at, long scored, long errors,
            long[] bins, long p99Micros) {
        long total = java.util.Arrays.stream(bins).sum();
        List<Long> scaled = java.util.Arrays.stream(bins).map(b -> b * (scored - errors) / total).boxed().toList();
        ModelHealth health = new ModelHealth(10_000, scored, errors, errors, 0, p99Micros / 2, p99Micros, scaled,
                Map.of(), 0, release.sha256(), 2, "testing-cpu", Map.of(), 100L, 60_000);
        return ModelStatus.heartbeat(site, "sensor-anomaly-job", 0, release, scored, health, at);
    }

    /** A healthy heartbeat: {@code scored} records, no errors, low scores, p99 2 ms. */
    public static ModelStatus healthy(String site, ModelRelease release, long at, long scored) {
        return heartbeat(site, release, at, scored, 0, LOW_SCORES, 2_000);
    }
}

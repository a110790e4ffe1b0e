package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.status.ShadowHealth;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Synthetic status streams for the rollout controller's and the fleet census's tests: releases of
 * made-up bytes and heartbeats with exactly the health a test asks for, as jobs write them (one
 * per subtask and loaded version, 10 s intervals).
 */
public final class TestingHeartbeats {

    /** The model every release and heartbeat here is of. */
    public static final String MODEL = "sensor-anomaly";

    /** Healthy scores: most in the lowest bin, a few anomalies. */
    public static final long[] LOW_SCORES = {900, 40, 20, 10, 5, 5, 5, 5, 5, 5};
    /** Drifted scores: nearly everything flagged. */
    public static final long[] HIGH_SCORES = {5, 5, 5, 5, 5, 5, 10, 20, 40, 900};
    /** A heartbeat's interval, ms. */
    public static final long INTERVAL = 10_000;
    /** Score bins of a healthy version, as heartbeats carry them. */
    public static final List<Long> NORMAL = List.of(500L, 200L, 100L, 60L, 40L, 30L, 25L, 20L, 15L, 10L);
    /** Score bins of a drifted version. */
    public static final List<Long> DRIFTED = List.of(10L, 15L, 20L, 25L, 30L, 40L, 60L, 100L, 200L, 500L);

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

    /** A full activation of {@code version} at {@code activateAt} for {@code targets}. */
    public static ModelRelease release(String version, long activateAt, ReleaseTarget targets) {
        return release(version, activateAt, 100, targets);
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

    /** A heartbeat builder: site, version and time, with healthy defaults for the rest. */
    public static Beat beat(String site, ModelRelease version, long at) {
        return new Beat(site, version, at);
    }

    /** One heartbeat of one subtask and version; every field has a healthy default. */
    public static final class Beat {
        private final String site;
        private final ModelRelease version;
        private final long at;
        private String job = "sensor";
        private int subtask;
        private long scored = 4_000;
        private long errors;
        private List<Long> bins = NORMAL;
        private Map<String, String> labels = Map.of();
        private Map<Integer, Long> classes = Map.of();
        private Long watermarkLag = 500L;
        private boolean shadow;
        private ShadowHealth comparison;

        Beat(String site, ModelRelease version, long at) {
            this.site = site;
            this.version = version;
            this.at = at;
        }

        public Beat job(String j) { job = j; return this; }
        public Beat subtask(int s) { subtask = s; return this; }
        public Beat scored(long n) { scored = n; return this; }
        public Beat errors(long n) { errors = n; return this; }
        public Beat bins(List<Long> b) { bins = b; return this; }
        public Beat labels(Map<String, String> l) { labels = l; return this; }
        public Beat classes(Map<Integer, Long> c) { classes = c; return this; }
        public Beat watermarkLag(Long lag) { watermarkLag = lag; return this; }

        /** A shadow version's heartbeat: its release id ends in {@code @shadow}, as shadow activations' do. */
        public Beat shadow() { shadow = true; return this; }

        /** A shadow's comparison with the serving version, as its heartbeats carry it. */
        public Beat agreement(String servingVersion, long compared, long agreed) {
            shadow = true;
            comparison = new ShadowHealth(servingVersion, compared, agreed, 0.1, 0.8, List.of(0L, 0L, compared, 0L, 0L), 0);
            return this;
        }

        public ModelStatus status() {
            ModelHealth health = new ModelHealth(INTERVAL, scored, errors, 0, scored / 100, scored == 0 ? null : 40L,
                    scored == 0 ? null : 900L, bins, classes, 0, version.sha256(), 2, "cpu", labels, watermarkLag,
                    60_000L);
            if (comparison != null) {
                health = health.withShadow(comparison);
            }
            ModelStatus beat = ModelStatus.heartbeat(site, job, subtask, version, scored, health, at);
            return !shadow ? beat : new ModelStatus(site, job, subtask, beat.model(), beat.version(), beat.sha256(),
                    beat.releaseId() + ModelRelease.SHADOW_ID_SUFFIX, beat.state(), null, null, beat.activateAt(), null, at, scored, health);
        }

        public byte[] json() {
            return ModelStatusJson.toJson(status());
        }

        /** Hands the heartbeat's JSON and where it was read from to {@code reader} (e.g. a census's {@code status}). */
        public void into(BiConsumer<byte[], String> reader) {
            reader.accept(json(), site + "/" + job + "/" + subtask + "@" + at);
        }
    }
}

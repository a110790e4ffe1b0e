package dev.edgeinfer.cli.fleet;

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

/**
 * Synthetic releases and heartbeats for the census tests, as jobs write them: one heartbeat per
 * subtask and loaded version, 10 s intervals, health fields filled in.
 */
final class TestingHeartbeats {

    static final String MODEL = "sensor-anomaly";
    static final long INTERVAL = 10_000;
    static final List<Long> NORMAL = List.of(500L, 200L, 100L, 60L, 40L, 30L, 25L, 20L, 15L, 10L);
    static final List<Long> DRIFTED = List.of(10L, 15L, 20L, 25L, 30L, 40L, 60L, 100L, 200L, 500L);

    private TestingHeartbeats() {}

    static ModelRelease release(String version, long activateAt, ReleaseTarget targets) {
        return ModelRelease.builder().model(MODEL).version(version)
                .sha256(Sha256.of(version.getBytes(StandardCharsets.UTF_8))).uri("file:///m/" + version + ".onnx")
                .sizeBytes(10).signature(ModelSignature.declared(List.of(TensorSpec.of("features", -1, 32)),
                        List.of(TensorSpec.of("score", -1, 1))))
                .activateAt(activateAt).publisher("t").publishedAt(1).targets(targets).build();
    }

    /** A heartbeat builder: site, version and time, with healthy defaults for the rest. */
    static Beat beat(String site, ModelRelease version, long at) {
        return new Beat(site, version, at);
    }

    static final class Beat {
        final String site;
        final ModelRelease version;
        final long at;
        String job = "sensor";
        int subtask;
        long scored = 4_000;
        long errors;
        List<Long> bins = NORMAL;
        Map<String, String> labels = Map.of();
        Map<Integer, Long> classes = Map.of();
        Long watermarkLag = 500L;
        boolean shadow;
        ShadowHealth comparison;

        Beat(String site, ModelRelease version, long at) {
            this.site = site;
            this.version = version;
            this.at = at;
        }

        Beat job(String j) { job = j; return this; }
        Beat subtask(int s) { subtask = s; return this; }
        Beat scored(long n) { scored = n; return this; }
        Beat errors(long n) { errors = n; return this; }
        Beat bins(List<Long> b) { bins = b; return this; }
        Beat labels(Map<String, String> l) { labels = l; return this; }
        Beat classes(Map<Integer, Long> c) { classes = c; return this; }
        Beat watermarkLag(Long lag) { watermarkLag = lag; return this; }
        /** A shadow version's heartbeat: its release id ends in {@code @shadow}, as shadow activations' do. */
        Beat shadow() { shadow = true; return this; }
        /** A shadow's comparison with the serving version, as its heartbeats carry it. */
        Beat agreement(String servingVersion, long compared, long agreed) {
            shadow = true;
            comparison = new ShadowHealth(servingVersion, compared, agreed, 0.1, 0.8, List.of(0L, 0L, compared, 0L, 0L), 0);
            return this;
        }

        ModelStatus status() {
            ModelHealth health = new ModelHealth(INTERVAL, scored, errors, 0, scored / 100, scored == 0 ? null : 40L,
                    scored == 0 ? null : 900L, bins, classes, 0, version.sha256(), 2, "cpu", labels, watermarkLag,
                    60_000L);
            if (comparison != null) {
                health = health.withShadow(comparison);
            }
            ModelStatus beat = ModelStatus.heartbeat(site, job, subtask, version, scored, health, at);
            return !shadow ? beat : new ModelStatus(site, job, subtask, beat.model(), beat.version(), beat.sha256(),
                    beat.releaseId() + "@shadow", beat.state(), null, null, beat.activateAt(), null, at, scored, health);
        }

        byte[] json() {
            return ModelStatusJson.toJson(status());
        }

        void into(FleetCensus census) {
            census.status(json(), site + "/" + job + "/" + subtask + "@" + at);
        }
    }
}

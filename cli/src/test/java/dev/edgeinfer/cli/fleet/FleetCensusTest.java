package dev.edgeinfer.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.status.ShadowHealth;
import dev.edgeinfer.cli.fleet.FleetCensus.Flag;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The census over synthetic status and control streams: serving versions, health, and every flag. */
class FleetCensusTest {

    private static final String MODEL = "sensor-anomaly";
    private static final long NOW = 1_000_000;
    private static final List<Long> NORMAL = List.of(500L, 200L, 100L, 60L, 40L, 30L, 25L, 20L, 15L, 10L);
    private static final List<Long> DRIFTED = List.of(10L, 15L, 20L, 25L, 30L, 40L, 60L, 100L, 200L, 500L);

    private static ModelRelease release(String version, long at, ReleaseTarget targets) {
        return ModelRelease.builder().model(MODEL).version(version)
                .sha256(Sha256.of(version.getBytes(StandardCharsets.UTF_8))).uri("file:///m/" + version + ".onnx")
                .sizeBytes(10).signature(ModelSignature.declared(List.of(TensorSpec.of("features", -1, 32)),
                        List.of(TensorSpec.of("score", -1, 1))))
                .activateAt(at).publisher("t").publishedAt(1).targets(targets).build();
    }

    private static final ModelRelease V1 = release("v1", 0, ReleaseTarget.ALL);
    private static final ModelRelease V2_WAVE_1 = release("v2", 1_000, ReleaseTarget.of(List.of(), List.of("wave=1")));

    private static byte[] beat(String site, Map<String, String> labels, ModelRelease version, long at, long scored,
            long errors, List<Long> bins) {
        ModelHealth health = new ModelHealth(10_000, scored, errors, 0, scored / 100, 40L, 900L, bins, Map.of(), 0,
                version.sha256(), 2, "cpu", labels, 500L, 60_000L);
        return ModelStatusJson.toJson(ModelStatus.heartbeat(site, "sensor", 0, version, scored, health, at));
    }

    private static FleetCensus census() {
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
        census.release(V1);
        census.release(V2_WAVE_1);
        return census;
    }

    private static Row row(List<Row> rows, String site) {
        return rows.stream().filter(r -> r.site().equals(site)).findFirst().orElseThrow();
    }

    @Test
    void sitesInTheWaveServeTheNewVersionHealthilyAndOnesLeftBehindOrSilentAreFlagged() {
        FleetCensus census = census();
        Map<String, String> wave1 = Map.of("wave", "1");
        census.status(beat("plant-1", wave1, V2_WAVE_1, NOW - 5_000, 4_000, 0, NORMAL), "s/0@1");
        census.status(beat("plant-2", wave1, V1, NOW - 5_000, 4_000, 0, NORMAL), "s/0@2");   // left behind
        census.status(beat("plant-3", Map.of(), V1, NOW - 5_000, 4_000, 0, NORMAL), "s/0@3");  // not in the wave
        census.status(beat("plant-4", Map.of(), V1, NOW - 120_000, 4_000, 0, NORMAL), "s/0@4"); // silent

        List<Row> rows = census.rows(NOW);

        Row plant1 = row(rows, "plant-1");
        assertThat(plant1.serving()).isEqualTo("v2");
        assertThat(plant1.flags()).isEmpty();
        assertThat(plant1.recordsPerSecond()).isEqualTo(400.0);
        assertThat(plant1.p99Micros()).isEqualTo(900L);
        assertThat(plant1.anomalyRate()).isEqualTo(0.01);
        assertThat(plant1.heartbeatAgeMillis()).isEqualTo(5_000);
        assertThat(row(rows, "plant-2").flags()).containsExactly(Flag.STALE);
        assertThat(row(rows, "plant-3").flags()).isEmpty();
        assertThat(row(rows, "plant-4").flags()).containsExactly(Flag.SILENT);
    }

    @Test
    void aDeprecatedVersionOrTooManyErrorsIsProblematicAndADriftedSiteIsDivergent() {
        FleetCensus census = census();
        census.advisory(new DeprecationAdvisory(MODEL, "v2", V2_WAVE_1.sha256(), "NaN scores", NOW, "t", 1, null, null));
        Map<String, String> wave1 = Map.of("wave", "1");
        census.status(beat("plant-1", wave1, V2_WAVE_1, NOW - 1_000, 4_000, 0, NORMAL), "a");
        for (String site : List.of("plant-5", "plant-6", "plant-7")) {
            census.status(beat(site, Map.of(), V1, NOW - 1_000, 4_000, 0, NORMAL), site);
        }
        census.status(beat("plant-8", Map.of(), V1, NOW - 1_000, 4_000, 0, DRIFTED), "d");
        census.status(beat("plant-9", Map.of(), V1, NOW - 1_000, 4_000, 400, NORMAL), "e");

        List<Row> rows = census.rows(NOW);

        assertThat(row(rows, "plant-1").flags()).containsExactly(Flag.PROBLEMATIC);
        assertThat(row(rows, "plant-8").flags()).containsExactly(Flag.DIVERGENT);
        assertThat(row(rows, "plant-9").flags()).containsExactly(Flag.PROBLEMATIC);
        assertThat(row(rows, "plant-9").errors()).isEqualTo(400);
        assertThat(row(rows, "plant-5").flags()).isEmpty();
    }

    @Test
    void aBadStatusRecordIsReportedAndSkippedAndAnOldHeartbeatWithoutHealthIsNotCounted() {
        FleetCensus census = census();
        census.status("{not json".getBytes(StandardCharsets.UTF_8), "edge.models.status/0@41");
        census.status(ModelStatusJson.toJson(ModelStatus.heartbeat("plant-0", "sensor", 0, V1, 10, NOW)), "old");
        census.status(beat("plant-1", Map.of(), V1, NOW - 1_000, 4_000, 0, NORMAL), "ok");
        census.status(beat("plant-1", Map.of(), V1, NOW - 20_000, 1_000, 0, NORMAL), "older, later on the topic");

        assertThat(census.badRecords()).singleElement().asString()
                .startsWith("edge.models.status/0@41: MALFORMED_JSON");
        assertThat(census.rows(NOW)).extracting(Row::site).containsExactly("plant-1");
        assertThat(census.rows(NOW).get(0).recordsPerSecond()).as("the latest heartbeat counts").isEqualTo(400.0);
    }

    @Test
    void aShadowVersionIsShownWithItsAgreementAndNeverCountsAsServingOrMakesASiteStale() {
        FleetCensus census = census();
        ModelRelease v3Shadow = release("v3", 500, ReleaseTarget.ALL).toBuilder().shadow(true).build();
        census.release(v3Shadow);
        census.status(beat("plant-9", Map.of(), V1, NOW - 1_000, 1_000, 0, NORMAL), "s/0@1");
        for (int subtask = 0; subtask < 2; subtask++) {
            ModelHealth health = new ModelHealth(10_000, 5_000, 0, 0, 0, 40L, 900L, DRIFTED, Map.of(), 0,
                    v3Shadow.sha256(), 2, "cpu", Map.of(), 500L, 60_000L)
                    .withShadow(new ShadowHealth("v1", 1_000, subtask == 0 ? 900 : 700, 0.1, 0.8,
                            List.of(0L, 0L, 500L, 400L, 100L), 0));
            census.status(ModelStatusJson.toJson(
                    ModelStatus.heartbeat("plant-9", "sensor", subtask, v3Shadow, 5_000, health, NOW - 1_000)), "s/0@2");
        }

        Row row = census.rows(NOW).get(0);

        assertThat(row.serving()).as("the shadow scored more, but never serves").isEqualTo("v1");
        assertThat(row.shadow()).isEqualTo("v3");
        assertThat(row.shadowAgreement()).isEqualTo(0.8);
        assertThat(row.recordsPerSecond()).as("the serving version's records only").isEqualTo(100.0);
        assertThat(row.flags()).isEmpty();
    }
}

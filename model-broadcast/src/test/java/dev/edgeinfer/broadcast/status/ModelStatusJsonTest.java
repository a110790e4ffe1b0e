package dev.edgeinfer.broadcast.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

class ModelStatusJsonTest {

    private final ModelRelease release = Releases.full("sensor-anomaly", "v2", 5_000);

    @Test
    void everyStateRoundTrips() {
        for (ModelStatus.State state : ModelStatus.State.values()) {
            ModelStatus s = ModelStatus.of("plant-7", "sensor-job", 3, release, state, 42L);
            assertThat(ModelStatusJson.fromJson(ModelStatusJson.toJson(s))).isEqualTo(s);
        }
    }

    @Test
    void rejectionsLateActivationsAndHeartbeatsKeepTheirExtraFields() {
        ModelStatus rejected = ModelStatus.rejected("s", "j", 0, release, "CHECKSUM_MISMATCH", "expected a, got b", 1L);
        ModelStatus late = ModelStatus.lateActivation("s", "j", 1, release, 7_250L, "watermark was 7250", 2L);
        ModelStatus beat = ModelStatus.heartbeat("s", "j", 2, release, 98_765L, 3L);
        for (ModelStatus s : new ModelStatus[] {rejected, late, beat}) {
            assertThat(ModelStatusJson.fromJson(ModelStatusJson.toJson(s))).isEqualTo(s);
        }
        assertThat(ModelStatusJson.fromJson(ModelStatusJson.toJson(late)).effectiveBoundary()).isEqualTo(7_250L);
        assertThat(rejected.key()).isEqualTo("s/j/0");
    }

    static ModelHealth health() {
        return new ModelHealth(10_000, 4_000, 3, 2, 40, 85L, 900L, List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 3_949L),
                Map.of(3, 12L, 7, 4L), 2, "3f2a9c", 8, "Cortex-A72", Map.of("wave", "1"), 1_200L, 86_400_000L);
    }

    @Test
    void heartbeatWithHealthRoundTripsEveryHealthField() {
        ModelStatus beat = ModelStatus.heartbeat("plant-1", "j", 0, release, 98_765L, health(), 3L);
        ModelStatus back = ModelStatusJson.fromJson(ModelStatusJson.toJson(beat));
        assertThat(back).isEqualTo(beat);
        assertThat(back.health().anomalyRate()).isEqualTo(0.01);
        assertThat(back.health().topClasses()).containsEntry(3, 12L);
    }

    @Test
    void heartbeatWrittenBeforeHealthExistedReadsWithoutHealth() {
        String old = "{\"schema\":1,\"type\":\"status\",\"site\":\"s\",\"job\":\"j\",\"subtask\":2,"
                + "\"model\":\"sensor-anomaly\",\"version\":\"v2\",\"sha256\":\"" + release.sha256() + "\","
                + "\"releaseId\":\"" + release.releaseId() + "\",\"state\":\"HEARTBEAT\",\"reason\":null,"
                + "\"detail\":null,\"activateAt\":5000,\"effectiveBoundary\":null,\"at\":3,\"scoredRecords\":98765}";
        ModelStatus back = ModelStatusJson.fromJson(old.getBytes(StandardCharsets.UTF_8));
        assertThat(back).isEqualTo(ModelStatus.heartbeat("s", "j", 2, release, 98_765L, 3L));
        assertThat(back.health()).isNull();
    }

    @Test
    void healthIsBoundedWhateverTheTrafficAndAMalformedHealthIsRejectedNamingTheField() {
        Map<Integer, Long> tooMany = new java.util.HashMap<>();
        for (int c = 0; c <= ModelHealth.MAX_CLASSES; c++) {
            tooMany.put(c, 1L);
        }
        ModelHealth h = health();
        assertThatThrownBy(() -> new ModelHealth(1, 1, 0, 0, 0, null, null, h.scoreBins(), tooMany, 0, null, 1, null,
                        Map.of(), null, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + ModelHealth.MAX_CLASSES);
        ModelHealth longText = new ModelHealth(1, 1, 0, 0, 0, null, null, h.scoreBins(), Map.of(), 0, "x".repeat(5_000),
                1, "y".repeat(5_000), Map.of(), null, 0);
        byte[] json = ModelStatusJson.toJson(ModelStatus.heartbeat("s", "j", 0, release, 1, longText, 1L));
        assertThat(json.length).isLessThan(2_048);

        String good = new String(ModelStatusJson.toJson(ModelStatus.heartbeat("s", "j", 0, release, 1, h, 1L)),
                StandardCharsets.UTF_8);
        InvalidReleaseException bins = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(good.replace("\"scoreBins\":[1,", "\"scoreBins\":[")
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(bins.field()).isEqualTo("health.scoreBins");
        InvalidReleaseException negative = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(good.replace("\"errors\":3", "\"errors\":-3")
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(negative).hasMessageContaining("-3");
    }

    @Test
    void unparseableReleaseCanBeReportedWithoutVersion() {
        ModelStatus s = new ModelStatus("s", "j", 0, "sensor-anomaly", null, null, null, ModelStatus.State.REJECTED,
                "MALFORMED_JSON", "not json", 0L, null, 9L, 0L);
        String json = new String(ModelStatusJson.toJson(s), StandardCharsets.UTF_8);
        assertThat(json).contains("\"version\":null").contains("\"effectiveBoundary\":null");
        assertThat(ModelStatusJson.fromJson(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(s);
    }

    @Test
    void unknownStateAndSchemaAreRejectedWithTheValue() {
        String json = new String(ModelStatusJson.toJson(ModelStatus.of("s", "j", 0, release, ModelStatus.State.ACTIVE, 1L)),
                StandardCharsets.UTF_8);
        InvalidReleaseException state = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(json.replace("\"ACTIVE\"", "\"DANCING\"").getBytes(StandardCharsets.UTF_8)));
        assertThat(state.field()).isEqualTo("state");
        assertThat(state.offendingValue()).isEqualTo("DANCING");
        InvalidReleaseException schema = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(json.replace("\"schema\":1", "\"schema\":9").getBytes(StandardCharsets.UTF_8)));
        assertThat(schema.reason()).isEqualTo(Reason.UNSUPPORTED_SCHEMA);
        InvalidReleaseException subtask = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(json.replace("\"subtask\":0", "\"subtask\":-4").getBytes(StandardCharsets.UTF_8)));
        assertThat(subtask.reason()).isEqualTo(Reason.INVALID_FIELD);
        assertThat(subtask).hasMessageContaining("-4");
    }

    @Test
    void constructorRejectsNegativeSubtaskNamingTheValue() {
        assertThatThrownBy(() -> ModelStatus.of("s", "j", -1, release, ModelStatus.State.ACTIVE, 0L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subtask must be >= 0, got -1");
    }
}

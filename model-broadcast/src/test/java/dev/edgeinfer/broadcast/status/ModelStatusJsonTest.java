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

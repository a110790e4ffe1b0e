package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.operators.internal.ReleaseIntake.Verdict;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

class ReleaseIntakeTest {

    private static final String MODEL = "sensor-anomaly";
    private static final long MAX_BYTES = 1_000;

    @TempDir static Path dir;
    private static Path modelFile;

    @BeforeAll
    static void writeModel() throws Exception {
        Files.createDirectories(dir.resolve("models"));
        modelFile = Files.writeString(dir.resolve("models/m.onnx"), "model bytes");
    }

    private final ReleaseIntake intake =
            new ReleaseIntake(MODEL, TrustedKeys.none(), MAX_BYTES, new FileModelFetcher(dir.resolve("models")));

    @Test
    void aReleaseOfAnotherModelIsRejectedAsNotServedWithoutCountingIt() throws Exception {
        Verdict verdict = intake.judge(release("other", "v1", 0, modelFile), false, Long.MIN_VALUE);

        assertThat(verdict).isInstanceOfSatisfying(Verdict.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo("NOT_SERVED");
            assertThat(r.detail()).contains("'sensor-anomaly'", "'other'");
            assertThat(r.counted()).isFalse();
        });
    }

    @Test
    void aReleaseAlreadyReceivedIsADuplicate() throws Exception {
        assertThat(intake.judge(release(MODEL, "v1", 0, modelFile), true, Long.MIN_VALUE))
                .isInstanceOf(Verdict.Duplicate.class);
    }

    @Test
    void anUnsignedReleaseIsRejectedWhenTrustedKeysAreSetAndASignedOneAccepted() throws Exception {
        KeyPair pair = ReleaseSigning.generateKeyPair();
        ReleaseIntake signed = new ReleaseIntake(MODEL, TrustedKeys.of(pair.getPublic()), MAX_BYTES, new FileModelFetcher());
        ModelRelease release = release(MODEL, "v1", 0, modelFile);

        assertThat(signed.judge(release, false, Long.MIN_VALUE)).isInstanceOfSatisfying(Verdict.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo("UNSIGNED");
            assertThat(r.counted()).isTrue();
        });
        assertThat(signed.judge(ReleaseSigning.sign(release, pair), false, Long.MIN_VALUE))
                .isInstanceOf(Verdict.Accepted.class);
    }

    @Test
    void aReleaseDeclaringMoreBytesThanTheJobAcceptsIsRejectedAsTooLarge() throws Exception {
        ModelRelease big = ModelRelease.builder().model(MODEL).version("v1").sha256(Sha256.of(modelFile))
                .uri(modelFile.toUri().toString()).sizeBytes(MAX_BYTES + 1).signature(sensorSignature()).activateAt(0)
                .publisher("test").publishedAt(1L).build();

        assertThat(intake.judge(big, false, Long.MIN_VALUE)).isInstanceOfSatisfying(Verdict.Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo("TOO_LARGE");
            assertThat(r.detail()).contains("1001", "1000");
        });
    }

    @Test
    void aReleaseFromASourceTheFetcherRefusesIsRejectedWithTheFetchersReason() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside.onnx"), "model bytes");

        assertThat(intake.judge(release(MODEL, "v1", 0, outside), false, Long.MIN_VALUE))
                .isInstanceOfSatisfying(Verdict.Rejected.class, r -> {
                    assertThat(r.reason()).isEqualTo("OUTSIDE_MODELS_ROOT");
                    assertThat(r.counted()).isTrue();
                });
    }

    @Test
    void aReleaseActivatingAtOrBeforeTheNewestScoredEventTimeIsLateFromTheNextMillisecondOn() throws Exception {
        assertThat(intake.judge(release(MODEL, "v2", 1_500, modelFile), false, 1_500))
                .isInstanceOfSatisfying(Verdict.Late.class, late -> {
                    assertThat(late.boundary()).isEqualTo(1_501);
                    assertThat(late.detail()).contains("1500", "1501");
                });
        assertThat(intake.judge(release(MODEL, "v2", 1_501, modelFile), false, 1_500)).isInstanceOf(Verdict.Accepted.class);
        assertThat(intake.judge(release(MODEL, "v2", 0, modelFile), false, Long.MIN_VALUE))
                .as("nothing scored yet").isInstanceOf(Verdict.Accepted.class);
    }

    @Test
    void anUnusableControlRecordIsReportedOncePerJobBySubtaskZeroUnlessItNamesAnotherModel() {
        ControlMessage.Rejected mine = rejectedRecord(MODEL);
        ControlMessage.Rejected unattributed = rejectedRecord(null);
        ControlMessage.Rejected theirs = rejectedRecord("other");

        assertThat(intake.judge(mine, 0)).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("MALFORMED_JSON");
            assertThat(r.detail()).isEqualTo("not json (edge.models.control/2/42)");
            assertThat(r.counted()).isFalse();
        });
        assertThat(intake.judge(unattributed, 0)).isPresent();
        assertThat(intake.judge(theirs, 0)).isEmpty();
        assertThat(intake.judge(mine, 1)).as("other subtasks leave it to subtask 0").isEmpty();
        assertThat(intake.judge(unattributed, 3)).isEmpty();
    }

    private static ControlMessage.Rejected rejectedRecord(String model) {
        return new ControlMessage.Rejected(InvalidReleaseException.Reason.MALFORMED_JSON, null, null, "not json", model,
                "key".getBytes(StandardCharsets.UTF_8), "{".getBytes(StandardCharsets.UTF_8), "edge.models.control", 2, 42);
    }

    static ModelRelease release(String model, String version, long activateAt, Path file) throws Exception {
        return ModelRelease.builder().model(model).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(activateAt).publisher("test")
                .publishedAt(1L).build();
    }
}

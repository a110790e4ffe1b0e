package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.expectedScore;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingDelayingFetcher;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Drives the real {@link VersionedInferenceOperator} (as {@link VersionedInference#apply} creates
 * it, and serialized as Flink ships it) in Flink's two-input operator test harness: input 1 sensor
 * windows (event time = {@code endTs}, routing key = device id), input 2 control messages, the
 * status side output, snapshots and restores. Two real ONNX models that differ only in their
 * bias ({@value #V1_BIAS} vs {@value #V2_BIAS}) stand for versions v1 and v2, so every score is
 * checked against the score the named version must give.
 */
class VersionedInferenceOperatorTest {

    private static final String MODEL = "sensor-anomaly";
    /** v2's activation time (event time, ms). */
    private static final long T = 1_000;
    private static final long LATENESS_MS = 200;
    private static final float V1_BIAS = -3f;
    private static final float V2_BIAS = 3f;
    private static final float V3_BIAS = 0f;
    private static final int MAX_PARALLELISM = 128;
    private static final String CONTROL_TOPIC = "edge.models.control";
    private static final TypeInformation<SensorWindow> WINDOW_TYPE = TypeInformation.of(SensorWindow.class);

    @TempDir static Path dir;
    /** Each test gets its own model cache, so a cache hit never hides a fetch the test is about. */
    @TempDir Path cacheDir;

    private static Path v1File;
    private static Path v2File;
    private static Path v3File;
    private static ModelRelease v1;
    private static ModelRelease v2;

    /** What the operator emits: the record's identity, the version that scored it and the score. */
    record TestingResult(String deviceId, long eventTime, ModelId model, float score) {
        static TestingResult of(SensorWindow window, Float score, ModelId model, long inferenceNanos) {
            return new TestingResult(window.deviceId(), window.endTs(), model, score);
        }

        String version() {
            return model.version();
        }
    }

    private final List<Rig> open = new ArrayList<>();
    private final AtomicLong offsets = new AtomicLong();
    private int runnersBefore;

    @BeforeAll
    static void writeModels() throws Exception {
        v1File = TestingOnnxModels.sensorModel(dir.resolve("sensor-anomaly-v1.onnx"), V1_BIAS);
        v2File = TestingOnnxModels.sensorModel(dir.resolve("sensor-anomaly-v2.onnx"), V2_BIAS);
        v3File = TestingOnnxModels.sensorModel(dir.resolve("sensor-anomaly-v3.onnx"), V3_BIAS);
        v1 = release("v1", v1File, 0);
        v2 = release("v2", v2File, T);
        assertThat(v1.sha256()).isNotEqualTo(v2.sha256());
    }

    @BeforeEach
    void countRunners() {
        runnersBefore = OnnxModelRunner.openRunners();
    }

    @AfterEach
    void closeEverythingAndCheckNothingLeaks() throws Exception {
        for (Rig rig : new ArrayList<>(open)) {
            rig.close();
        }
        awaitStagersFinished();
        assertThat(OnnxModelRunner.openRunners()).as("ONNX runners left open by the test").isEqualTo(runnersBefore);
    }

    // ---------------------------------------------------------------------------------------
    // versions by event time

    @Test
    void recordsBeforeTheActivationAreScoredByV1AndFromItOnByV2CarryingTheVersionsSha256() throws Exception {
        Rig rig = rigWith(v1, v2);

        for (long t : new long[] {0, 500, T - 1, T, T + 500}) {
            rig.record("dev-a", t);
        }

        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(
                        tuple(0L, "v1"), tuple(500L, "v1"), tuple(T - 1, "v1"), tuple(T, "v2"), tuple(T + 500, "v2"));
        for (TestingResult r : rig.results()) {
            boolean isV2 = r.eventTime() >= T;
            assertThat(r.model()).isEqualTo(isV2 ? v2.modelId() : v1.modelId());
            assertThat(r.model().sha256()).isEqualTo(Sha256.of(isV2 ? v2File : v1File));
            assertThat((double) r.score()).as("score of %s", r)
                    .isCloseTo(expectedScore(window(r.deviceId(), r.eventTime()), isV2 ? V2_BIAS : V1_BIAS), within(1e-5));
        }
        // The result keeps the record's event time as its timestamp.
        assertThat(rig.harness.extractOutputStreamRecords())
                .extracting(StreamRecord::getTimestamp)
                .containsExactly(0L, 500L, T - 1, T, T + 500);
    }

    // ---------------------------------------------------------------------------------------
    // staging, activation, retirement, reload

    @Test
    void versionsAreStagedThenActiveOnFirstUseThenRetiredOnceTheWatermarkPassesTheNextActivationPlusLateness()
            throws Exception {
        Rig rig = rigWith(v1, v2);

        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v1".equals(s.version()));
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v2".equals(s.version()));
        assertThat(rig.statuses()).extracting(ModelStatus::state, ModelStatus::version, ModelStatus::reason)
                .containsExactlyInAnyOrder(
                        tuple(ModelStatus.State.STAGED, "v1", null), tuple(ModelStatus.State.STAGED, "v2", null));
        assertThat(rig.statuses()).allSatisfy(s -> assertThat(s.sha256()).isIn(v1.sha256(), v2.sha256()));
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 2);

        rig.record("dev-a", 500);
        rig.record("dev-a", 600);
        assertThat(rig.statuses(ModelStatus.State.ACTIVE)).extracting(ModelStatus::version).containsExactly("v1");
        rig.record("dev-a", T);
        assertThat(rig.statuses(ModelStatus.State.ACTIVE)).extracting(ModelStatus::version).containsExactly("v1", "v2");
        assertThat(rig.statuses(ModelStatus.State.ACTIVE)).extracting(ModelStatus::releaseId)
                .containsExactly(v1.releaseId(), v2.releaseId());

        rig.watermark(T + LATENESS_MS - 1);
        assertThat(rig.statuses(ModelStatus.State.RETIRED)).as("v1 may still get records up to T - 1").isEmpty();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 2);

        rig.watermark(T + LATENESS_MS);
        assertThat(rig.statuses(ModelStatus.State.RETIRED)).singleElement().satisfies(s -> {
            assertThat(s.version()).isEqualTo("v1");
            assertThat(s.releaseId()).isEqualTo(v1.releaseId());
            assertThat(s.scoredRecords()).isEqualTo(2);
        });
        assertThat(OnnxModelRunner.openRunners()).as("v1 unloaded").isEqualTo(runnersBefore + 1);

        // Later than the allowed lateness, but still owned by v1: v1 is loaded again for it.
        rig.record("dev-b", 700);
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(500L, "v1"), tuple(600L, "v1"), tuple(T, "v2"), tuple(700L, "v1"));
        assertThat(rig.results().get(3).model()).isEqualTo(v1.modelId());
        List<ModelStatus> staged = rig.statuses(ModelStatus.State.STAGED);
        assertThat(staged).extracting(ModelStatus::version, ModelStatus::reason)
                .containsExactlyInAnyOrder(tuple("v1", null), tuple("v2", null), tuple("v1", "RELOADED_FOR_LATE_RECORD"));
        assertThat(staged.get(2).reason()).as("the reload is reported last").isEqualTo("RELOADED_FOR_LATE_RECORD");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 2);

        // The next watermark unloads it again.
        rig.watermark(T + LATENESS_MS + 1);
        assertThat(rig.statuses(ModelStatus.State.RETIRED)).extracting(ModelStatus::version).containsExactly("v1", "v1");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 1);
    }

    // ---------------------------------------------------------------------------------------
    // late activations

    @Test
    void releaseNotAfterTheNewestScoredEventTimeIsALateActivationAppliedFromNewestPlusOne() throws Exception {
        Rig rig = rigWithV1ThatScoredDevAAt5000();
        ModelRelease late = lateV2();

        rig.release(late);

        assertThat(rig.statuses(ModelStatus.State.LATE_ACTIVATION)).singleElement().satisfies(s -> {
            assertThat(s.releaseId()).isEqualTo(late.releaseId());
            assertThat(s.version()).isEqualTo("v2");
            assertThat(s.activateAt()).isEqualTo(3_000);
            assertThat(s.effectiveBoundary()).isEqualTo(5_001L);
        });
        for (long t : new long[] {3_000, 4_000, 5_000, 5_001, 6_000}) {
            rig.record("dev-a", t);
        }
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(5_000L, "v1"), tuple(3_000L, "v1"), tuple(4_000L, "v1"), tuple(5_000L, "v1"),
                        tuple(5_001L, "v2"), tuple(6_000L, "v2"));
    }

    @Test
    void versionReplacedByALateActivationIsRetiredOnceTheWatermarkPassesTheEffectiveBoundaryPlusLateness()
            throws Exception {
        Rig rig = rigWithV1ThatScoredDevAAt5000();
        rig.release(lateV2()); // applied from 5001
        rig.record("dev-a", 5_001);

        rig.watermark(5_001 + LATENESS_MS - 1);
        assertThat(rig.statuses(ModelStatus.State.RETIRED)).as("v1 still owns event time 5000").isEmpty();
        rig.watermark(5_001 + LATENESS_MS);

        assertThat(rig.statuses(ModelStatus.State.RETIRED)).extracting(ModelStatus::version).containsExactly("v1");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 1);
        rig.record("dev-a", 4_000); // later than allowed: still v1's, reloaded
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v2", "v1");
    }

    @Test
    void releaseActivatingExactlyAfterTheNewestScoredEventTimeIsNotLate() throws Exception {
        Rig rig = rigWith(v1);
        rig.record("dev-a", T - 1);

        rig.release(v2);
        rig.record("dev-a", T);

        assertThat(rig.statuses(ModelStatus.State.LATE_ACTIVATION)).isEmpty();
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v2");
    }

    // ---------------------------------------------------------------------------------------
    // rejected releases

    @Test
    void releaseWhoseFileHasAnotherSha256IsRejectedAsChecksumMismatchAndV1KeepsServing() throws Exception {
        ModelRelease wrongSha = v2.toBuilder().sha256(Sha256.of("not the bytes of v2".getBytes())).build();

        assertRejectedAndV1KeepsServing(wrongSha, "CHECKSUM_MISMATCH", "the release declares " + wrongSha.sha256());
    }

    @Test
    void releaseWhoseFileIsNotOnnxIsRejectedAsNotOnnxAndV1KeepsServing() throws Exception {
        Path junk = TestingOnnxModels.notOnnx(dir.resolve("junk.onnx"), 4096);

        assertRejectedAndV1KeepsServing(release("v2", junk, T), "NOT_ONNX", "not an ONNX model");
    }

    @Test
    void releaseWhoseOnnxFileOnnxRuntimeCannotLoadIsRejectedAsLoadFailedAndV1KeepsServing() throws Exception {
        Path unknownOperator = TestingOnnxModels.withUnknownOperator(v2File, dir.resolve("unknown-operator.onnx"));

        assertRejectedAndV1KeepsServing(release("v2", unknownOperator, T), "LOAD_FAILED", "ONNX Runtime could not load it");
    }

    @Test
    void releaseWhoseModelTakesAnotherInputWidthIsRejectedAsSignatureMismatchAndV1KeepsServing() throws Exception {
        Path narrow = TestingOnnxModels.linearSigmoidModel(
                dir.resolve("narrow.onnx"), 31, 1, TestingOnnxModels.weights(31), V2_BIAS);
        ModelRelease release = release("v2", narrow, T).toBuilder()
                .signature(TestingOnnxModels.signatureWithInputWidth(31)) // declared honestly: the adapter refuses it
                .build();

        assertRejectedAndV1KeepsServing(release, "SIGNATURE_MISMATCH", "is not [N, 32]");
    }

    @Test
    void releaseDeclaringAnotherSignatureThanItsFileHasIsRejectedAsSignatureMismatchAndV1KeepsServing()
            throws Exception {
        ModelSignature declared = ModelSignature.declared(
                List.of(TensorSpec.of("readings", -1, TestingOnnxModels.FEATURES)), List.of(TensorSpec.of("score", -1, 1)));

        assertRejectedAndV1KeepsServing(
                v2.toBuilder().signature(declared).build(), "SIGNATURE_MISMATCH", "differs from the declared one");
    }

    private void assertRejectedAndV1KeepsServing(ModelRelease bad, String reason, String detail) throws Exception {
        Rig rig = rigWith(v1, bad);

        rig.awaitStatus(s -> s.state() == ModelStatus.State.REJECTED);
        for (long t : new long[] {T - 1, T, T + 500}) {
            rig.record("dev-a", t);
        }

        assertThat(rig.statuses(ModelStatus.State.REJECTED)).singleElement().satisfies(s -> {
            assertThat(s.releaseId()).isEqualTo(bad.releaseId());
            assertThat(s.version()).isEqualTo(bad.version());
            assertThat(s.sha256()).isEqualTo(bad.sha256());
            assertThat(s.reason()).isEqualTo(reason);
            assertThat(s.detail()).contains(detail);
        });
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::model)
                .containsExactly(tuple(T - 1, v1.modelId()), tuple(T, v1.modelId()), tuple(T + 500, v1.modelId()));
        assertThat(rig.statuses()).filteredOn(s -> bad.releaseId().equals(s.releaseId()))
                .extracting(ModelStatus::state).containsExactly(ModelStatus.State.REJECTED);
        assertThat(OnnxModelRunner.openRunners()).as("only v1 loaded").isEqualTo(runnersBefore + 1);
    }

    @Test
    void recordNeedingARejectedVersionWhileItStillLoadsFallsBackToV1() throws Exception {
        Rig rig = rigWith(v1);
        rig.record("dev-a", 0);
        // No waiting for the verdict: the record itself finds out.
        rig.release(v2.toBuilder().sha256(Sha256.of("other bytes".getBytes())).build());
        rig.record("dev-a", T);

        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v1");
        assertThat(rig.statuses(ModelStatus.State.REJECTED)).extracting(ModelStatus::reason)
                .containsExactly("CHECKSUM_MISMATCH");
    }

    @Test
    void releaseOfAnotherModelIsRejectedAsNotServedAndChangesNothing() throws Exception {
        Rig rig = rigWith(v1);
        ModelRelease other = v2.toBuilder().model("another-model").activateAt(500).build();

        rig.release(other);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED);
        rig.record("dev-a", 500);
        rig.record("dev-a", T);

        assertThat(rig.statuses(ModelStatus.State.REJECTED)).singleElement().satisfies(s -> {
            assertThat(s.model()).isEqualTo("another-model");
            assertThat(s.releaseId()).isEqualTo(other.releaseId());
            assertThat(s.reason()).isEqualTo("NOT_SERVED");
        });
        assertThat(rig.results()).extracting(TestingResult::model).containsExactly(v1.modelId(), v1.modelId());
        assertThat(rig.statuses(ModelStatus.State.STAGED)).extracting(ModelStatus::version).containsExactly("v1");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 1);
    }

    @Test
    void undecodableControlRecordIsReportedAsRejectedAndServingIsUnaffected() throws Exception {
        ControlMessage garbage =
                ControlMessage.decode(null, "{\"schema\":1, garbage".getBytes(), CONTROL_TOPIC, 0, 42, true);
        assertThat(garbage).isInstanceOf(ControlMessage.Rejected.class);
        Rig rig = rigWith(v1);

        rig.control(garbage);
        rig.release(v2);
        rig.record("dev-a", 500);
        rig.record("dev-a", T);

        assertThat(rig.statuses(ModelStatus.State.REJECTED)).singleElement().satisfies(s -> {
            assertThat(s.model()).isEqualTo(MODEL);
            assertThat(s.version()).isNull();
            assertThat(s.reason()).isEqualTo("MALFORMED_JSON");
            assertThat(s.detail()).contains(CONTROL_TOPIC + "/0/42");
        });
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v2");
    }

    // ---------------------------------------------------------------------------------------
    // the timeline is a set

    @Test
    void duplicateDeliveryOfAReleaseChangesNothing() throws Exception {
        Rig rig = rigWith(v1, v2);
        rig.record("dev-a", 500);
        rig.record("dev-a", T + 500);

        // Redelivered after records passed both activations: not a late activation, not a new stage.
        rig.release(v1);
        rig.release(v2);
        rig.release(v2);
        rig.record("dev-a", 600);
        rig.record("dev-a", T + 600);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v2".equals(s.version()));

        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(500L, "v1"), tuple(T + 500, "v2"), tuple(600L, "v1"), tuple(T + 600, "v2"));
        assertThat(rig.statuses(ModelStatus.State.LATE_ACTIVATION)).isEmpty();
        assertThat(rig.statuses(ModelStatus.State.STAGED)).extracting(ModelStatus::version)
                .containsExactlyInAnyOrder("v1", "v2");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 2);
    }

    @Test
    void arrivalOrderOfReleasesDoesNotChangeWhichVersionScoresWhichRecord() throws Exception {
        ModelRelease rollback = release("v1", v1File, 2 * T); // back to v1's bytes at 2T
        Rig forward = rig();
        for (ModelRelease r : List.of(v1, v2, rollback)) {
            forward.release(r);
        }
        Rig backward = rig();
        for (ModelRelease r : List.of(rollback, v2, v1)) {
            backward.release(r);
        }

        for (Rig rig : List.of(forward, backward)) {
            for (long t = 0; t <= 3 * T; t += 250) {
                rig.record("dev-" + (t % 7), t);
            }
        }

        assertThat(backward.results()).isEqualTo(forward.results());
        assertThat(forward.results()).extracting(TestingResult::version)
                .containsExactly("v1", "v1", "v1", "v1", "v2", "v2", "v2", "v2", "v1", "v1", "v1", "v1", "v1");
        assertThat(forward.results().get(8).model()).isEqualTo(rollback.modelId());
    }

    // ---------------------------------------------------------------------------------------
    // records waiting for a release

    @Test
    void recordsBeforeAnyReleaseCoversTheirEventTimeWaitAndAreScoredOnceOneArrives() throws Exception {
        Rig rig = rig();
        rig.record("dev-a", 100);
        rig.record("dev-b", T + 200);
        assertThat(rig.results()).isEmpty();

        rig.release(v1);

        assertThat(rig.results()).extracting(TestingResult::deviceId, TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple("dev-a", 100L, "v1"), tuple("dev-b", T + 200, "v1"));
        rig.record("dev-c", 300);
        assertThat(rig.results()).hasSize(3);
    }

    @Test
    void waitingRecordsSurviveASnapshotAndRestoreAndAreScoredWhenTheReleaseArrives() throws Exception {
        Rig before = rig();
        before.record("dev-a", 100);
        before.record("dev-b", 200);
        OperatorSubtaskState snapshot = before.snapshot();
        before.fail(); // a failover, not an end of input
        assertThat(before.results()).isEmpty();

        Rig after = rig(new FileModelFetcher(), snapshot);
        assertThat(after.results()).isEmpty();
        after.release(v1);

        assertThat(after.results()).extracting(TestingResult::deviceId, TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple("dev-a", 100L, "v1"), tuple("dev-b", 200L, "v1"));
    }

    // ---------------------------------------------------------------------------------------
    // deprecation advisories

    private static dev.edgeinfer.broadcast.release.DeprecationAdvisory badV2(long effectiveAt) {
        return new dev.edgeinfer.broadcast.release.DeprecationAdvisory(
                MODEL, "v2", v2.sha256(), "drifted scores", effectiveAt, "test", 1L, null, null);
    }

    private void advise(Rig rig, dev.edgeinfer.broadcast.release.DeprecationAdvisory advisory) throws Exception {
        rig.control(new ControlMessage.Advisory(advisory, CONTROL_TOPIC, 0, offsets.getAndIncrement()));
    }

    @Test
    void withTheFlagPolicyADeprecatedVersionIsReportedAndKeepsServing() throws Exception {
        Rig rig = rigWith(v1, v2);
        advise(rig, badV2(T + 500));
        rig.record("dev-a", T + 600);

        assertThat(rig.statuses(ModelStatus.State.DEPRECATED)).singleElement().satisfies(s -> {
            assertThat(s.version()).isEqualTo("v2");
            assertThat(s.reason()).isEqualTo("FLAG");
            assertThat(s.detail()).isEqualTo("drifted scores");
            assertThat(s.effectiveBoundary()).isNull();
        });
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v2");
    }

    @Test
    void withTheRollbackPolicyRecordsFromTheAdvisorysEventTimeOnGetThePreviousGoodVersionAlsoAfterARestore()
            throws Exception {
        VersionedInference<SensorWindow, Float, TestingResult> rollingBack = builder(new FileModelFetcher())
                .setDeprecationPolicy(dev.edgeinfer.operators.DeprecationPolicy.ROLLBACK)
                .build();
        Rig before = rig(rollingBack, null, 1, 0);
        before.release(v1);
        before.release(v2);
        advise(before, badV2(T + 500));
        advise(before, badV2(T + 500)); // a redelivery changes nothing
        for (long t : new long[] {T - 1, T, T + 499, T + 500, T + 900}) {
            before.record("dev-a", t);
        }
        assertThat(before.results()).extracting(TestingResult::version).containsExactly("v1", "v2", "v2", "v1", "v1");
        assertThat(before.statuses(ModelStatus.State.DEPRECATED)).singleElement()
                .satisfies(s -> assertThat(s.effectiveBoundary()).isEqualTo(T + 500));
        OperatorSubtaskState snapshot = before.snapshot();
        before.fail();

        Rig after = rig(rollingBack, snapshot, 1, 0); // nothing is delivered again
        after.record("dev-b", T + 499);
        after.record("dev-b", T + 700);
        assertThat(after.results()).extracting(TestingResult::version).containsExactly("v2", "v1");
    }

    // ---------------------------------------------------------------------------------------
    // failover

    @Test
    void afterARestoreFromASnapshotRecordsAreAssignedExactlyAsBeforeAndTheModelsReload() throws Exception {
        Rig before = rigWith(v1, v2);
        before.record("dev-a", 500);
        before.record("dev-a", T + 500);
        OperatorSubtaskState snapshot = before.snapshot();
        List<TestingResult> reference = new ArrayList<>(before.results());
        for (long t = 0; t <= 2 * T; t += 250) {
            before.record("dev-" + t % 5, t);
        }
        List<TestingResult> expected = before.results().subList(reference.size(), before.results().size());
        before.fail();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore);

        Rig after = rig(new FileModelFetcher(), snapshot); // no release is delivered again
        for (long t = 0; t <= 2 * T; t += 250) {
            after.record("dev-" + t % 5, t);
        }

        assertThat(after.results()).isEqualTo(expected);
        assertThat(after.results()).extracting(TestingResult::version).contains("v1", "v2");
        assertThat(after.statuses(ModelStatus.State.STAGED)).extracting(ModelStatus::version)
                .containsExactlyInAnyOrder("v1", "v2");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 2);
    }

    @Test
    void lateActivationBoundaryIsKeptAcrossARestore() throws Exception {
        Rig before = rigWithV1ThatScoredDevAAt5000();
        before.release(lateV2()); // late: applied from 5001
        OperatorSubtaskState snapshot = before.snapshot();
        before.fail();

        Rig after = rig(new FileModelFetcher(), snapshot);
        after.record("dev-a", 4_000);
        after.record("dev-a", 5_001);

        assertThat(after.results()).extracting(TestingResult::version).containsExactly("v1", "v2");
    }

    // ---------------------------------------------------------------------------------------
    // canary

    @Test
    void canaryOf30PercentScoresKeysInBucketsBelow30WithTheCanaryAndTheRestWithThePreviousFullVersion()
            throws Exception {
        Rig rig = rigWith(v1, v2.toBuilder().canaryPercent(30).build());

        List<String> devices = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            devices.add("device-" + d);
        }
        for (String device : devices) {
            rig.record(device, T - 1);
            rig.record(device, T + 100);
        }

        List<TestingResult> results = rig.results();
        assertThat(results).hasSize(2 * devices.size());
        assertThat(results).filteredOn(r -> r.eventTime() < T).extracting(TestingResult::version).containsOnly("v1");
        List<TestingResult> afterT = results.stream().filter(r -> r.eventTime() >= T).toList();
        for (TestingResult r : afterT) {
            String expected = ReleaseTimeline.bucket(r.deviceId()) < 30 ? "v2" : "v1";
            assertThat(r.version()).as("%s in bucket %d", r.deviceId(), ReleaseTimeline.bucket(r.deviceId()))
                    .isEqualTo(expected);
        }
        assertThat(afterT).extracting(TestingResult::version).contains("v1", "v2"); // both sides exercised
        assertThat(ReleaseTimeline.bucket("device-1")).isEqualTo(2); // pinned hash: the split did not move
    }

    @Test
    void releaseScopedToOtherSitesIsNeitherStagedNorReportedAndOneNamingThisSitesLabelTakesOver() throws Exception {
        Rig rig = rig(builder(new FileModelFetcher()).setSiteLabels(java.util.Map.of("wave", "1")).build(), null, 1, 0);
        rig.release(v1);
        rig.release(v2.toBuilder()
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of("plant-2"), List.of("wave=2")))
                .build());
        ModelRelease v3ForWave1 = release("v3", v3File, 2 * T).toBuilder()
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of(), List.of("wave=1")))
                .build();
        rig.release(v3ForWave1);
        rig.record("dev-a", T + 1);
        rig.record("dev-a", 2 * T);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && s.version().equals("v3"));

        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v3");
        assertThat(rig.statuses()).noneMatch(s -> "v2".equals(s.version()));
    }

    // ---------------------------------------------------------------------------------------
    // stage before activate

    @Test
    void recordNeedingAVersionStillLoadingWaitsForItInsteadOfBeingScoredByAnother() throws Exception {
        long delayMs = 1_500;
        Rig rig = rig(new TestingDelayingFetcher(v2.sha256(), delayMs), null);
        rig.release(v1);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v1".equals(s.version()));
        rig.record("dev-a", 500);
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1");

        long stagingStarted = System.nanoTime();
        rig.release(v2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread task = new Thread(() -> {
            try {
                rig.record("dev-a", T);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "test-task-thread");
        task.start();

        Thread.sleep(delayMs / 3);
        assertThat(task.isAlive()).as("the record waits for v2").isTrue();
        assertThat(rig.results()).as("nothing scored while v2 loads").hasSize(1);

        task.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(task.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stagingStarted);
        assertThat(waitedMs).isGreaterThanOrEqualTo(delayMs);
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::model)
                .containsExactly(tuple(500L, v1.modelId()), tuple(T, v2.modelId()));
        // Meanwhile, records v1 owns were never blocked by the load:
        rig.record("dev-a", T - 1);
        assertThat(rig.results()).last().extracting(TestingResult::version).isEqualTo("v1");
    }

    @Test
    void endOfInputWithRecordsStillWaitingForAReleaseFailsLoudlyAndStillUnloadsTheModels() throws Exception {
        Rig rig = rigWith(v2);
        rig.record("dev-a", T);
        rig.record("dev-a", 100); // no release covers it

        assertThatThrownBy(rig::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 records reached the end of input");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore);
    }

    // ---------------------------------------------------------------------------------------
    // lifecycle

    @Test
    void closeUnloadsEveryModelIncludingOneStillLoading() throws Exception {
        int startedBefore = TestingDelayingFetcher.slowFetchesStarted();
        int slowBefore = TestingDelayingFetcher.slowFetchesFinished();
        Rig rig = rig(new TestingDelayingFetcher(v2.sha256(), 800), null);
        rig.release(v1);
        rig.release(v2);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v1".equals(s.version()));
        rig.record("dev-a", 500);
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (TestingDelayingFetcher.slowFetchesStarted() == startedBefore) { // v2's load has begun
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }

        rig.close(); // v2 is still being fetched

        awaitStagersFinished();
        assertThat(TestingDelayingFetcher.slowFetchesFinished()).as("v2's fetch ran to the end").isEqualTo(slowBefore + 1);
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore);
    }

    @Test
    void closeAfterServingSeveralVersionsLeavesNoRunnerOpen() throws Exception {
        Rig rig = rigWith(v1, v2, release("v3", v3File, 2 * T));
        rig.record("dev-a", 0);
        rig.record("dev-a", T);
        rig.record("dev-a", 2 * T);
        assertThat(rig.results()).extracting(TestingResult::version).containsExactly("v1", "v2", "v3");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore + 3);

        rig.close();

        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore);
    }

    // ---------------------------------------------------------------------------------------
    // late activations in combination (regressions)

    @Test
    void olderReleaseArrivingAfterANewerOneScoredRecordsDoesNotTakeOverFromTheNewerOne() throws Exception {
        Rig rig = rigWith(v2);
        rig.record("dev-a", T + 100); // v2
        rig.release(v1);              // activateAt 0 <= T + 100: late, but v2 supersedes it from T on

        rig.record("dev-a", T + 200);
        rig.record("dev-a", 2 * T);
        rig.record("dev-a", 500);

        assertThat(rig.statuses(ModelStatus.State.LATE_ACTIVATION)).singleElement().satisfies(s -> {
            assertThat(s.releaseId()).isEqualTo(v1.releaseId());
            assertThat(s.effectiveBoundary()).isEqualTo(T + 101);
        });
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(T + 100, "v2"), tuple(T + 200, "v2"), tuple(2 * T, "v2"), tuple(500L, "v1"));
    }

    @Test
    void arrivalOrderOfReleasesDoesNotChangeAssignmentsEvenWithRecordsScoredBetweenThem() throws Exception {
        Rig v1First = rigWith(v1, v2);
        Rig v2First = rigWith(v2);

        long[] early = {T + 100, 100, T + 300, 500};
        long[] late = {200, T + 400, T - 1};
        for (long t : early) {
            v1First.record("dev-" + t % 3, t);
            v2First.record("dev-" + t % 3, t);
        }
        v2First.release(v1); // after records passed v1's activation: a late activation
        for (long t : late) {
            v1First.record("dev-" + t % 3, t);
            v2First.record("dev-" + t % 3, t);
        }

        assertThat(v2First.statuses(ModelStatus.State.LATE_ACTIVATION)).hasSize(1);
        assertThat(sorted(v2First.results())).isEqualTo(sorted(v1First.results()));
        assertThat(v1First.results()).hasSize(early.length + late.length);
    }

    @Test
    void recordsWaitingBeforeTheFirstActivationAreScoredByAnOlderReleaseArrivingLater() throws Exception {
        Rig rig = rig();
        rig.release(v2); // covers T and later only

        rig.record("dev-a", 100);
        rig.record("dev-b", 200);
        rig.record("dev-c", T);
        assertThat(rig.results()).extracting(TestingResult::eventTime).containsExactly(T);

        rig.release(v1); // late (T was scored), yet it owns [0, T), where nothing was scored

        assertThat(rig.results()).extracting(TestingResult::deviceId, TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple("dev-c", T, "v2"), tuple("dev-a", 100L, "v1"), tuple("dev-b", 200L, "v1"));
    }

    @Test
    void statusesAboutALateActivationNameThePublishedRelease() throws Exception {
        Rig rig = rigWithV1ThatScoredDevAAt5000();
        ModelRelease late = lateV2();

        rig.release(late);
        rig.record("dev-a", 6_000);

        assertThat(rig.statuses()).filteredOn(s -> "v2".equals(s.version()))
                .extracting(ModelStatus::state, ModelStatus::releaseId, ModelStatus::activateAt)
                .contains(tuple(ModelStatus.State.LATE_ACTIVATION, late.releaseId(), 3_000L),
                        tuple(ModelStatus.State.ACTIVE, late.releaseId(), 3_000L));
    }

    @Test
    void releaseArrivingAfterARestoreIsALateActivationIfRecordsBeforeTheSnapshotPassedIt() throws Exception {
        Rig before = rigWithV1ThatScoredDevAAt5000();
        OperatorSubtaskState snapshot = before.snapshot();
        before.fail();

        Rig after = rig(new FileModelFetcher(), snapshot);
        after.release(lateV2()); // not in the snapshot: arrives after the restore
        after.record("dev-a", 4_000);
        after.record("dev-a", 5_001);

        assertThat(after.statuses(ModelStatus.State.LATE_ACTIVATION)).singleElement()
                .extracting(ModelStatus::effectiveBoundary).isEqualTo(5_001L);
        assertThat(after.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(4_000L, "v1"), tuple(5_001L, "v2"));
    }

    @Test
    void restoreAtTheSameParallelismKeepsEachSubtasksOwnLateActivationBoundary() throws Exception {
        ModelRelease late = lateV2();
        Rig[] before = {rig(new FileModelFetcher(), null, 2, 0), rig(new FileModelFetcher(), null, 2, 1)};
        long[] newest = {5_000, 4_000};
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int i = 0; i < 2; i++) {
            before[i].release(v1);
            before[i].record("dev-" + i, newest[i]);
            before[i].release(late);
            assertThat(before[i].statuses(ModelStatus.State.LATE_ACTIVATION)).singleElement()
                    .extracting(ModelStatus::effectiveBoundary).isEqualTo(newest[i] + 1);
            snapshots[i] = before[i].snapshot();
        }
        before[1].record("dev-1", 4_500);
        assertThat(before[1].results()).last().extracting(TestingResult::version).isEqualTo("v2");
        before[0].fail();
        before[1].fail();

        OperatorSubtaskState all = TwoInputStreamOperatorTestHarness.repackageState(snapshots);
        Rig after = rig(new FileModelFetcher(),
                TwoInputStreamOperatorTestHarness.repartitionOperatorState(all, MAX_PARALLELISM, 2, 2, 1), 2, 1);
        after.record("dev-1", 4_500);

        assertThat(after.results()).extracting(TestingResult::version).as("as before the restore").containsExactly("v2");
    }

    @Test
    void recordsWaitingAtASnapshotAreScoredAfterTheRestoreByAReleaseConfiguredAtSubmission() throws Exception {
        Rig before = rig();
        before.record("dev-a", 100);
        OperatorSubtaskState snapshot = before.snapshot();
        before.fail();

        VersionedInference<SensorWindow, Float, TestingResult> withInitialRelease =
                builder(new FileModelFetcher()).addInitialRelease(v1).build();
        Rig after = rig(withInitialRelease, snapshot, 1, 0);
        after.record("dev-b", 200);

        assertThat(after.results()).extracting(TestingResult::deviceId, TestingResult::version)
                .containsExactlyInAnyOrder(tuple("dev-a", "v1"), tuple("dev-b", "v1"));
    }

    private static List<TestingResult> sorted(List<TestingResult> results) {
        return results.stream().sorted(byDeviceAndTime()).toList();
    }

    // ---------------------------------------------------------------------------------------
    // metrics

    @Test
    void metricsCountScoredRecordsAndBatchSizesPerVersionAndMarkTheActiveOne() throws Exception {
        Rig rig = batchingRig(3, Duration.ofSeconds(60));
        for (long t : new long[] {10, 20, 30, T, T + 1, T + 2}) {
            rig.record("dev-a", t);
        }
        rig.record("dev-b", T + 3);
        rig.watermark(T + 3); // flushes the batch of one

        InferenceMetrics metrics = rig.operator.metrics();
        InferenceMetrics.Version m1 = metrics.version(v1);
        InferenceMetrics.Version m2 = metrics.version(v2);
        assertThat(m1.scored.getCount()).isEqualTo(3);
        assertThat(m2.scored.getCount()).isEqualTo(4);
        assertThat(m1.batchSize.getCount()).isEqualTo(1);
        assertThat(m1.batchSize.getStatistics().getMax()).isEqualTo(3);
        assertThat(m2.batchSize.getCount()).isEqualTo(2);
        assertThat(m2.batchSize.getStatistics().getMin()).isEqualTo(1);
        assertThat(m1.latencyMicros.getCount() + m2.latencyMicros.getCount()).isEqualTo(3);
        assertThat(m1.active()).isZero();
        assertThat(m2.active()).isOne();
        assertThat(m1.staged.getCount()).isOne();
        assertThat(m2.staged.getCount()).isOne();
    }

    @Test
    void metricsCountRejectedReleasesByReasonAndLateActivations() throws Exception {
        ModelRelease wrongSha = v2.toBuilder().sha256(Sha256.of("not the bytes of v2".getBytes())).build();
        Rig rig = rigWith(v1, wrongSha);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.REJECTED);
        assertThat(rig.operator.metrics().rejectedCount("CHECKSUM_MISMATCH")).isOne();
        assertThat(rig.operator.metrics().rejectedCount("NOT_ONNX")).isZero();

        Rig late = rigWithV1ThatScoredDevAAt5000();
        late.release(lateV2());
        assertThat(late.operator.metrics().lateActivations.getCount()).isOne();
    }

    @Test
    void metricsGaugeTheRecordsWaitingForARelease() throws Exception {
        Rig rig = rig();
        rig.record("dev-a", 10);
        rig.record("dev-b", 20);
        assertThat(rig.operator.metrics().waitingRecords.getAsInt()).isEqualTo(2);

        rig.release(v1);

        assertThat(rig.operator.metrics().waitingRecords.getAsInt()).isZero();
        assertThat(rig.operator.metrics().version(v1).scored.getCount()).isEqualTo(2);
    }

    @Test
    void heartbeatsCarryEachVersionsHealthOverTheLastIntervalAndTheCumulativeCount() throws Exception {
        Rig rig = rig(builder(new FileModelFetcher())
                .setHeartbeatInterval(Duration.ofSeconds(1))
                .setSiteLabels(java.util.Map.of("wave", "1"))
                .setPredictionSummary(dev.edgeinfer.operators.PredictionSummary.scoreAbove(0.5f))
                .build(), null, 1, 0);
        rig.release(v1);
        int[] expectedBins = new int[10];
        for (long t = 10; t <= 30; t += 10) {
            rig.record("dev-a", t);
            expectedBins[VersionHealth.bin((float) expectedScore(window("dev-a", t), V1_BIAS))]++;
        }
        rig.watermark(30);
        rig.awaitStatus(s -> s.state() == ModelStatus.State.HEARTBEAT && s.health().scored() == 3);

        ModelStatus beat = rig.statuses(ModelStatus.State.HEARTBEAT).stream()
                .filter(s -> s.health().scored() == 3).findFirst().orElseThrow();
        dev.edgeinfer.broadcast.status.ModelHealth health = beat.health();
        assertThat(beat.version()).isEqualTo("v1");
        assertThat(beat.scoredRecords()).isEqualTo(3);
        assertThat(health.errors()).isZero();
        assertThat(health.latencyP50Micros()).isNotNull();
        assertThat(health.latencyP99Micros()).isGreaterThanOrEqualTo(health.latencyP50Micros());
        assertThat(health.scoreBins()).containsExactly(
                java.util.Arrays.stream(expectedBins).mapToObj(Long::valueOf).toArray(Long[]::new));
        assertThat(health.variant()).isEqualTo(v1.sha256());
        assertThat(health.cores()).isPositive();
        assertThat(health.cpuModel()).isNotBlank();
        assertThat(health.siteLabels()).containsExactly(java.util.Map.entry("wave", "1"));
        assertThat(health.watermarkLagMillis()).isNotNull();

        rig.awaitStatus(s -> s.state() == ModelStatus.State.HEARTBEAT && s.at() >= beat.at() && s != beat
                && s.health().scored() == 0);
        ModelStatus next = rig.statuses(ModelStatus.State.HEARTBEAT).get(rig.statuses(ModelStatus.State.HEARTBEAT).size() - 1);
        assertThat(next.scoredRecords()).as("cumulative").isEqualTo(3);
        assertThat(next.health().scored()).as("this interval").isZero();
    }

    // ---------------------------------------------------------------------------------------
    // micro-batching

    private Rig batchingRig(int maxSize, Duration maxDelay) throws Exception {
        Rig rig = rig(builder(new FileModelFetcher()).setBatching(maxSize, maxDelay).build(), null, 1, 0);
        rig.release(v1);
        rig.release(v2);
        return rig;
    }

    @Test
    void microBatchIsScoredWhenItReachesItsMaximumSize() throws Exception {
        Rig rig = batchingRig(3, Duration.ofSeconds(60));
        rig.record("dev-a", 10);
        rig.record("dev-b", 20);
        assertThat(rig.results()).as("a batch of 2 waits for a third record or its delay").isEmpty();

        rig.record("dev-c", 30);

        assertThat(rig.results()).extracting(TestingResult::eventTime).containsExactly(10L, 20L, 30L);
        for (TestingResult r : rig.results()) {
            assertThat((double) r.score()).isCloseTo(expectedScore(window(r.deviceId(), r.eventTime()), V1_BIAS), within(1e-5));
        }
    }

    @Test
    void microBatchIsScoredWhenItsMaximumDelayPasses() throws Exception {
        Rig rig = batchingRig(64, Duration.ofMillis(5));
        long now = rig.harness.getProcessingTime();
        rig.record("dev-a", 10);
        rig.record("dev-b", 20);
        rig.harness.setProcessingTime(now + 4);
        assertThat(rig.results()).isEmpty();

        rig.harness.setProcessingTime(now + 5);

        assertThat(rig.results()).extracting(TestingResult::eventTime).containsExactly(10L, 20L);
    }

    @Test
    void microBatchesNeverMixVersions() throws Exception {
        Rig rig = batchingRig(64, Duration.ofSeconds(60));
        rig.record("dev-a", T - 2);
        rig.record("dev-b", T - 1);
        assertThat(rig.results()).isEmpty();

        rig.record("dev-a", T); // needs v2: the v1 batch is scored first, alone
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(T - 2, "v1"), tuple(T - 1, "v1"));

        rig.watermark(T - 10);
        assertThat(rig.results()).extracting(TestingResult::eventTime, TestingResult::version)
                .containsExactly(tuple(T - 2, "v1"), tuple(T - 1, "v1"), tuple(T, "v2"));
        assertThat((double) rig.results().get(2).score())
                .isCloseTo(expectedScore(window("dev-a", T), V2_BIAS), within(1e-5));
    }

    @Test
    void openMicroBatchIsScoredBeforeAWatermarkIsForwarded() throws Exception {
        Rig rig = batchingRig(64, Duration.ofSeconds(60));
        rig.record("dev-a", 10);

        rig.watermark(5);

        List<Object> output = new ArrayList<>(rig.harness.getOutput());
        assertThat(output).hasSize(2);
        assertThat(output.get(0)).isInstanceOf(StreamRecord.class);
        assertThat(output.get(1)).isEqualTo(new Watermark(5));
    }

    @Test
    void openMicroBatchIsScoredBeforeACheckpointSoNothingIsHeldInState() throws Exception {
        Rig rig = batchingRig(64, Duration.ofSeconds(60));
        rig.record("dev-a", 10);
        rig.record("dev-b", 20);

        // What the task does when a barrier arrives: pre-barrier hook, then the snapshot.
        rig.harness.prepareSnapshotPreBarrier(1L);
        assertThat(rig.results()).extracting(TestingResult::eventTime).containsExactly(10L, 20L);
        OperatorSubtaskState state = rig.snapshot();

        rig.close();
        Rig restored = rig(builder(new FileModelFetcher()).setBatching(64, Duration.ofSeconds(60)).build(), state, 1, 0);
        restored.close();
        assertThat(restored.results()).as("nothing replayed from state").isEmpty();
    }

    @Test
    void openMicroBatchIsScoredAtEndOfInput() throws Exception {
        Rig rig = batchingRig(64, Duration.ofSeconds(60));
        rig.record("dev-a", 10);

        rig.close();

        assertThat(rig.results()).extracting(TestingResult::eventTime).containsExactly(10L);
    }

    // ---------------------------------------------------------------------------------------
    // test rig

    private static ModelRelease release(String version, Path file, long activateAt) throws Exception {
        return ModelRelease.builder()
                .model(MODEL)
                .version(version)
                .sha256(Sha256.of(file))
                .uri(file.toUri().toString())
                .sizeBytes(Files.size(file))
                .signature(sensorSignature())
                .activateAt(activateAt)
                .publisher("test@edgeinfer")
                .publishedAt(1_767_225_590_000L)
                .build();
    }

    private VersionedInference<SensorWindow, Float, TestingResult> inference(ModelFetcher fetcher) {
        return builder(fetcher).build();
    }

    private VersionedInference.Builder<SensorWindow, Float, TestingResult> builder(ModelFetcher fetcher) {
        return TestingSensorInference.builder(
                MODEL, TestingResult::of, TestingResult.class, Duration.ofMillis(LATENESS_MS), fetcher, cacheDir);
    }

    /**
     * The operator exactly as {@link VersionedInference#apply} wires it into a job graph, then
     * serialized and deserialized as Flink does when it ships the operator to a task.
     */
    @SuppressWarnings("unchecked")
    private static VersionedInferenceOperator<SensorWindow, Float, TestingResult> operatorOf(
            VersionedInference<SensorWindow, Float, TestingResult> inference) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<SensorWindow> data = env.fromData(WINDOW_TYPE, window("unused", 0));
        DataStream<ControlMessage> control = env.fromData(
                ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(v1, null, -1, -1));
        VersionedInference.Streams<TestingResult> streams = inference.apply(data, control);
        TwoInputTransformation<SensorWindow, ControlMessage, TestingResult> transformation =
                (TwoInputTransformation<SensorWindow, ControlMessage, TestingResult>) streams.results().getTransformation();
        return InstantiationUtil.clone(
                (VersionedInferenceOperator<SensorWindow, Float, TestingResult>) transformation.getOperator(),
                VersionedInferenceOperatorTest.class.getClassLoader());
    }

    /** A rig serving v1 that has scored dev-a at event time 5000: releases activating up to 5000 now arrive late. */
    private Rig rigWithV1ThatScoredDevAAt5000() throws Exception {
        Rig rig = rigWith(v1);
        rig.record("dev-a", 5_000);
        return rig;
    }

    /** v2 activating at 3000: late for {@link #rigWithV1ThatScoredDevAAt5000()}, so applied from 5001. */
    private ModelRelease lateV2() throws Exception {
        return release("v2", v2File, 3_000);
    }

    /** A fresh rig that has received {@code releases} on the control input, in this order. */
    private Rig rigWith(ModelRelease... releases) throws Exception {
        Rig rig = rig();
        for (ModelRelease release : releases) {
            rig.release(release);
        }
        return rig;
    }

    private Rig rig() throws Exception {
        return rig(new FileModelFetcher(), null);
    }

    private Rig rig(ModelFetcher fetcher, OperatorSubtaskState restoreFrom) throws Exception {
        return rig(inference(fetcher), restoreFrom, 1, 0);
    }

    private Rig rig(ModelFetcher fetcher, OperatorSubtaskState restoreFrom, int parallelism, int subtask)
            throws Exception {
        return rig(inference(fetcher), restoreFrom, parallelism, subtask);
    }

    private Rig rig(VersionedInference<SensorWindow, Float, TestingResult> inference, OperatorSubtaskState restoreFrom,
            int parallelism, int subtask) throws Exception {
        Rig rig = new Rig(operatorOf(inference), restoreFrom, parallelism, subtask);
        open.add(rig);
        return rig;
    }

    /** One subtask of the operator in a harness. */
    private final class Rig implements AutoCloseable {
        final VersionedInferenceOperator<SensorWindow, Float, TestingResult> operator;
        final TwoInputStreamOperatorTestHarness<SensorWindow, ControlMessage, TestingResult> harness;
        private boolean closed;

        Rig(VersionedInferenceOperator<SensorWindow, Float, TestingResult> operator, OperatorSubtaskState restoreFrom,
                int parallelism, int subtask) throws Exception {
            this.operator = operator;
            this.harness = new TwoInputStreamOperatorTestHarness<>(operator, MAX_PARALLELISM, parallelism, subtask);
            harness.getStreamConfig().setupNetworkInputs(
                    WINDOW_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()),
                    ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
            harness.getStreamConfig().serializeAllConfigs();
            harness.setup();
            if (restoreFrom != null) {
                harness.initializeState(restoreFrom);
            }
            harness.open();
        }

        void release(ModelRelease release) throws Exception {
            control(new ControlMessage.Release(release, CONTROL_TOPIC, 0, offsets.getAndIncrement()));
        }

        void control(ControlMessage message) throws Exception {
            harness.processElement2(new StreamRecord<>(message));
        }

        void record(String deviceId, long eventTime) throws Exception {
            harness.processElement1(new StreamRecord<>(window(deviceId, eventTime), eventTime));
        }

        void watermark(long watermark) throws Exception {
            harness.processWatermark1(new Watermark(watermark));
        }

        List<TestingResult> results() {
            return harness.extractOutputValues();
        }

        List<ModelStatus> statuses() {
            Queue<StreamRecord<ModelStatus>> queue = harness.getSideOutput(operator.statusTag());
            return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
        }

        List<ModelStatus> statuses(ModelStatus.State state) {
            return statuses().stream().filter(s -> s.state() == state).toList();
        }

        /** Lets the operator's housekeeping timer run (it reports finished stagings) until a status matches. */
        void awaitStatus(Predicate<ModelStatus> wanted) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (statuses().stream().noneMatch(wanted)) {
                assertThat(System.nanoTime()).as("status awaited in %s", statuses()).isLessThan(deadline);
                Thread.sleep(20);
                harness.setProcessingTime(harness.getProcessingTime() + 1_000);
            }
        }

        OperatorSubtaskState snapshot() throws Exception {
            return harness.snapshot(1L, 1L);
        }

        /** End of input: finish() then close(), as a task that ran to the end does. */
        @Override
        public void close() throws Exception {
            if (!closed) {
                closed = true;
                open.remove(this);
                try {
                    harness.close();
                } finally {
                    operator.close(); // no-op when harness.close() got there; frees models if finish() threw
                }
            }
        }

        /** A failure: the task is cancelled, so close() runs without finish(). */
        void fail() throws Exception {
            if (!closed) {
                closed = true;
                open.remove(this);
                operator.close();
            }
        }
    }

    /** Waits until no staging thread of this model is alive (a load may end after close()). */
    private static void awaitStagersFinished() throws InterruptedException {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("edgeinfer-model-stager-" + MODEL)) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                assertThat(thread.isAlive()).as("%s still running", thread.getName()).isFalse();
            }
        }
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }

    private static Comparator<TestingResult> byDeviceAndTime() {
        return Comparator.comparing(TestingResult::deviceId).thenComparingLong(TestingResult::eventTime);
    }
}

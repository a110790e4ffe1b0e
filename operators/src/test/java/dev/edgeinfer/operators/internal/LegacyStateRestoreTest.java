package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.expectedScore;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.DefaultOperatorStateBackend;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * Restores the state EdgeInfer 0.1.0 wrote (a snapshot of its operator, see
 * {@code legacy-state/versioned-inference-operator-0.1.0.txt}) into today's operator: releases
 * (broadcast state, through the legacy serializer snapshot class name), the late-activation
 * boundary and newest scored event time (the legacy strings), and the record waiting for a
 * release.
 */
class LegacyStateRestoreTest {

    private static final String SNAPSHOT = "/legacy-state/versioned-inference-operator-0.1.0.snapshot";
    /** Where the releases in the snapshot point (absolute file: URIs). */
    private static final Path MODELS_DIR = Path.of("/tmp/edgeinfer-legacy-state");
    private static final String MODEL = "sensor-anomaly";
    private static final Map<String, Float> BIASES = Map.of("v1", -3f, "v2", 3f, "v3", 0f, "v4", -3f);
    private static final Map<String, String> PINNED_SHA256 = Map.of(
            "v1", "6274f146173d4490005a0f801c3fb4e26647261dba820940b329a9c4af7f4478",
            "v2", "b993fb25d7e5421c0f3587e224ce657539c2edcdd2ac851fbd1a19dbeaa1b924",
            "v3", "5271393e52a343978d0a8d9d537759235039adcd7591b91134bee4682e42431a");
    private static final String V3_ID = "sensor-anomaly@1200@v3@5271393e52a3";
    private static final long NEWEST_SCORED = 1_500;
    private static final long LATE_BOUNDARY = 1_501;
    private static final TypeInformation<SensorWindow> WINDOW_TYPE = TypeInformation.of(SensorWindow.class);

    @TempDir Path cacheDir;

    private int runnersBefore;

    record TestingResult(String deviceId, long eventTime, ModelId model, float score) {
        static TestingResult of(SensorWindow window, Float score, ModelId model, long inferenceNanos) {
            return new TestingResult(window.deviceId(), window.endTs(), model, score);
        }

        String version() {
            return model.version();
        }
    }

    @BeforeAll
    static void writeTheModelsTheReleasesPointTo() throws Exception {
        Files.createDirectories(MODELS_DIR);
        for (String version : List.of("v1", "v2", "v3")) {
            Path file = TestingOnnxModels.sensorModel(MODELS_DIR.resolve(MODEL + "-" + version + ".onnx"), BIASES.get(version));
            assertThat(Sha256.of(file)).as("sha256 of %s (pinned by the snapshot)", file).isEqualTo(PINNED_SHA256.get(version));
        }
    }

    @BeforeEach
    void countRunners() {
        runnersBefore = OnnxModelRunner.openRunners();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("edgeinfer-model-stager-" + MODEL)) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runnersBefore);
    }

    @Test
    void restoredLateBoundaryReleasesAndWaitingRecordAssignTheVersionsThe010OperatorDid() throws Exception {
        Harness h = new Harness(legacySnapshot());
        try {
            for (long t : new long[] {1_200, 1_500, 1_501, 999, 1_000, 600, 0, 2_000}) {
                h.record(t);
            }
            assertThat(h.results()).extracting(TestingResult::eventTime, TestingResult::version).containsExactly(
                    tuple(1_200L, "v2"), // v3 activates at 1200, but only from its restored late boundary 1501 on
                    tuple(1_500L, "v2"),
                    tuple(1_501L, "v3"),
                    tuple(999L, "v1"),
                    tuple(1_000L, "v2"),
                    tuple(600L, "v1"),
                    tuple(0L, "v1"),
                    tuple(2_000L, "v3"));
            assertScoresAndLineage(h.results());
            assertThat(h.statuses(ModelStatus.State.LATE_ACTIVATION)).as("no release was received again").isEmpty();
            assertThatThrownBy(h.harness::close)
                    .as("the restored waiting record (event time -5) still waits")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 records reached the end of input");
        } finally {
            h.operator.close();
        }
    }

    @Test
    void restoredNewestScoredEventTimeMakesAnOlderReleaseALateActivation() throws Exception {
        Harness h = new Harness(legacySnapshot());
        try {
            ModelRelease v4 = release("v4", MODELS_DIR.resolve(MODEL + "-v1.onnx"), 1_400);
            h.release(v4);
            assertThat(h.statuses(ModelStatus.State.LATE_ACTIVATION)).singleElement().satisfies(s -> {
                assertThat(s.releaseId()).isEqualTo(v4.releaseId());
                assertThat(s.effectiveBoundary()).isEqualTo(NEWEST_SCORED + 1);
            });
            h.record(1_450);
            h.record(1_501);
            assertThat(h.results()).extracting(TestingResult::eventTime, TestingResult::version)
                    .containsExactly(tuple(1_450L, "v2"), tuple(1_501L, "v4"));
        } finally {
            h.operator.close();
        }
    }

    @Test
    void aSnapshotAfterTheRestoreCarriesTheProgressInTheNewStateAndLeavesTheLegacyStateEmpty() throws Exception {
        Harness h = new Harness(legacySnapshot());
        OperatorSubtaskState snapshot;
        try {
            snapshot = h.harness.snapshot(2L, 2L);
        } finally {
            h.operator.close();
        }
        List<OperatorStateHandle> handles = new ArrayList<>(snapshot.getManagedOperatorState());
        DefaultOperatorStateBackend backend = new DefaultOperatorStateBackendBuilder(
                getClass().getClassLoader(), new ExecutionConfig(), false, handles, new CloseableRegistry()).build();
        try {
            List<SubtaskProgress> progress = new ArrayList<>();
            backend.getUnionListState(new ListStateDescriptor<>(
                    SubtaskProgressState.NAME, SubtaskProgressSerializer.INSTANCE)).get().forEach(progress::add);
            assertThat(progress).containsExactly(new SubtaskProgress(0, NEWEST_SCORED, Map.of(V3_ID, LATE_BOUNDARY)));
            List<String> legacy = new ArrayList<>();
            backend.getUnionListState(new ListStateDescriptor<>(
                    SubtaskProgressState.LEGACY_NAME, String.class)).get().forEach(legacy::add);
            assertThat(legacy).isEmpty();
            assertThat(backend.getBroadcastState(ModelBroadcast.RELEASES_STATE).entries())
                    .extracting(e -> e.getValue().version()).containsExactlyInAnyOrder("v1", "v2", "v3");
        } finally {
            backend.close();
            backend.dispose();
        }

        // And today's state restores the same versions again.
        Harness again = new Harness(snapshot);
        try {
            again.record(1_200);
            again.record(1_501);
            assertThat(again.results()).extracting(TestingResult::version).containsExactly("v2", "v3");
        } finally {
            again.operator.close();
        }
    }

    // ---------------------------------------------------------------------------------------

    private OperatorSubtaskState legacySnapshot() throws Exception {
        return OperatorSnapshotUtil.readStateHandle(Path.of(getClass().getResource(SNAPSHOT).toURI()).toString());
    }

    private static ModelRelease release(String version, Path file, long activateAt) throws Exception {
        return ModelRelease.builder().model(MODEL).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(activateAt)
                .publisher("test@edgeinfer").publishedAt(1_767_225_590_000L).build();
    }

    private static void assertScoresAndLineage(List<TestingResult> results) {
        for (TestingResult r : results) {
            assertThat(r.model().sha256()).isEqualTo(PINNED_SHA256.get(r.version()));
            assertThat((double) r.score()).as("score of %s", r)
                    .isCloseTo(expectedScore(window(r.deviceId(), r.eventTime()), BIASES.get(r.version())), within(1e-5));
        }
    }

    /** The operator exactly as the 0.1.0 snapshot's writer configured it, in Flink's harness. */
    private final class Harness {
        final VersionedInferenceOperator<SensorWindow, Float, TestingResult> operator;
        final TwoInputStreamOperatorTestHarness<SensorWindow, ControlMessage, TestingResult> harness;
        private long offset;

        Harness(OperatorSubtaskState restoreFrom) throws Exception {
            operator = operator();
            harness = new TwoInputStreamOperatorTestHarness<>(operator, 128, 1, 0);
            harness.getStreamConfig().setupNetworkInputs(
                    WINDOW_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()),
                    ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
            harness.getStreamConfig().serializeAllConfigs();
            harness.setup();
            harness.initializeState(restoreFrom);
            harness.open();
        }

        void release(ModelRelease release) throws Exception {
            harness.processElement2(new StreamRecord<>(new ControlMessage.Release(release, "edge.models.control", 0, offset++)));
        }

        void record(long eventTime) throws Exception {
            harness.processElement1(new StreamRecord<>(window("dev-a", eventTime), eventTime));
        }

        List<TestingResult> results() {
            return harness.extractOutputValues();
        }

        List<ModelStatus> statuses(ModelStatus.State state) {
            Queue<StreamRecord<ModelStatus>> queue = harness.getSideOutput(operator.statusTag());
            return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).filter(s -> s.state() == state).toList();
        }

        @SuppressWarnings("unchecked")
        private VersionedInferenceOperator<SensorWindow, Float, TestingResult> operator() throws Exception {
            VersionedInference<SensorWindow, Float, TestingResult> inference =
                    TestingSensorInference.builder(MODEL, TestingResult::of, TestingResult.class, Duration.ofMillis(200),
                                    new FileModelFetcher(), cacheDir)
                            .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            DataStream<SensorWindow> data = env.fromData(WINDOW_TYPE, window("unused", 0));
            ModelRelease placeholder = LegacyStateRestoreTest.release("v0", MODELS_DIR.resolve(MODEL + "-v1.onnx"), 0); // shapes the graph only
            DataStream<ControlMessage> control = env.fromData(
                    ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(placeholder, null, -1, -1));
            TwoInputTransformation<SensorWindow, ControlMessage, TestingResult> transformation =
                    (TwoInputTransformation<SensorWindow, ControlMessage, TestingResult>)
                            inference.apply(data, control).results().getTransformation();
            return InstantiationUtil.clone(
                    (VersionedInferenceOperator<SensorWindow, Float, TestingResult>) transformation.getOperator(),
                    getClass().getClassLoader());
        }
    }
}

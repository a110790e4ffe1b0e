package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ShadowHealth;
import dev.edgeinfer.operators.PredictionSummary;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory.TestingModelHandler;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Shadow scoring in the real operator, with {@link TestingModelHandlerFactory} as the engine:
 * records are "{@code device@eventTime}", a version "predicts" {@code version:record}, and
 * {@link TestingShadowSummary} gives v1 and the shadow v2 scores that agree on {@code dev-a} and
 * disagree on {@code dev-b}.
 */
class ShadowScoringTest {

    private static final String MODEL = "sensor-anomaly";
    private static final List<String> RECORDS = List.of("dev-a@100", "dev-b@200", "dev-a@300", "dev-b@400");

    @TempDir Path dir;

    /** v1 scores 0.2 everywhere; v2 scores 0.25 on dev-a (agrees: no anomaly) and 0.9 on dev-b (disagrees). */
    record TestingShadowSummary() implements PredictionSummary<String> {
        @Override
        public float score(String prediction) {
            return prediction.startsWith("v1:") ? 0.2f : prediction.contains(":dev-b@") ? 0.9f : 0.25f;
        }

        @Override
        public boolean anomalous(String prediction) {
            return score(prediction) >= 0.5f;
        }
    }

    @Test
    void aShadowLeavesTheEmittedResultsExactlyAsWithoutItAndReportsItsAgreementAndDeltas() throws Exception {
        List<String> without = run(new TestingModelHandlerFactory(), false).results();

        Run with = run(new TestingModelHandlerFactory(), true);

        assertThat(with.results()).isEqualTo(without).hasSize(RECORDS.size());
        assertThat(with.results()).allSatisfy(r -> assertThat(r).startsWith("v1:"));
        ShadowHealth shadow = with.shadowBeat().health().shadow();
        assertThat(shadow.servingVersion()).isEqualTo("v1");
        assertThat(shadow.compared()).isEqualTo(4);
        assertThat(shadow.agreed()).isEqualTo(2);
        assertThat(shadow.agreement()).isEqualTo(0.5);
        assertThat(shadow.meanAbsDelta()).isCloseTo((0.05 + 0.05 + 0.7 + 0.7) / 4, within(1e-6));
        assertThat(shadow.maxAbsDelta()).isCloseTo(0.7, within(1e-6));
        assertThat(shadow.deltaBins()).containsExactly(0L, 0L, 2L, 0L, 2L);
        assertThat(shadow.skipped()).isZero();
        ModelHealth health = with.shadowBeat().health();
        assertThat(health.scored()).as("the shadow's own volume").isEqualTo(4);
        assertThat(health.latencyP99Micros()).as("the shadow's own latency").isNotNull();
        assertThat(with.shadowBeat().scoredRecords()).isEqualTo(4);
        assertThat(with.statuses()).noneMatch(s -> s.state() == ModelStatus.State.ACTIVE && s.releaseId().endsWith("@shadow"));
        assertThat(with.servingBeat().health().shadow()).as("the serving version's heartbeat has no shadow block").isNull();
    }

    @Test
    void aShadowWhoseModelCallsThrowIsCountedInItsHealthAndNeverFailsTheTaskNorChangesTheResults() throws Exception {
        List<String> without = run(new TestingModelHandlerFactory(), false).results();

        Run with = run(new TestingModelHandlerFactory().predictFailing("v2", new IllegalStateException("bad shadow")), true);

        assertThat(with.results()).isEqualTo(without);
        ModelHealth health = with.shadowBeat().health();
        assertThat(health.errors()).isEqualTo(4);
        assertThat(health.scored()).isZero();
        assertThat(health.shadow().skipped()).isEqualTo(4);
        assertThat(health.shadow().compared()).isZero();
        assertThat(health.shadow().agreement()).isNaN();
    }

    @Test
    void aShadowThatFailsToLoadIsRejectedWhileTheServingVersionKeepsServing() throws Exception {
        TestingModelHandlerFactory factory = new TestingModelHandlerFactory().failing("v2", ModelLoadException.Reason.NOT_ONNX);
        try (Rig rig = new Rig(factory)) {
            rig.release(release("v1", 0, false));
            rig.release(release("v2", 0, true));
            rig.awaitStatus(s -> s.state() == ModelStatus.State.REJECTED && s.releaseId().endsWith("@shadow"));
            RECORDS.forEach(rig::record);
            assertThat(rig.results()).hasSize(RECORDS.size()).allSatisfy(r -> assertThat(r).startsWith("v1:"));
            assertThat(rig.statuses()).filteredOn(s -> s.state() == ModelStatus.State.REJECTED).singleElement()
                    .satisfies(s -> assertThat(s.reason()).isEqualTo("NOT_ONNX"));
        }
    }

    @Test
    void aShadowWhoseStagingFailsUnexpectedlyIsRejectedInsteadOfFailingTheTask() throws Exception {
        TestingModelHandlerFactory factory =
                new TestingModelHandlerFactory().crashing("v2", new IllegalStateException("native crash"));
        try (Rig rig = new Rig(factory)) {
            rig.release(release("v1", 0, false));
            rig.release(release("v2", 0, true));
            rig.awaitStatus(s -> s.state() == ModelStatus.State.REJECTED && s.releaseId().endsWith("@shadow"));
            RECORDS.forEach(rig::record);
            assertThat(rig.results()).hasSize(RECORDS.size()).allSatisfy(r -> assertThat(r).startsWith("v1:"));
            assertThat(rig.statuses()).filteredOn(s -> s.state() == ModelStatus.State.REJECTED).singleElement()
                    .satisfies(s -> {
                        assertThat(s.reason()).isEqualTo("LOAD_FAILED");
                        assertThat(s.detail()).contains("native crash");
                    });
        }
    }

    @Test
    void aShadowStillStagingNeverHoldsARecordBackAndCountsTheRecordsItMissed() throws Exception {
        TestingModelHandlerFactory factory = new TestingModelHandlerFactory();
        CountDownLatch gate = factory.gate("v2");
        try (Rig rig = new Rig(factory)) {
            rig.release(release("v1", 0, false));
            rig.release(release("v2", 0, true));
            rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v1".equals(s.version()));
            RECORDS.forEach(rig::record);
            assertThat(rig.results()).as("scored while the shadow is still loading").hasSize(RECORDS.size());

            gate.countDown();
            rig.awaitStatus(s -> s.state() == ModelStatus.State.HEARTBEAT && s.releaseId().endsWith("@shadow"));
            ShadowHealth shadow = rig.statuses().stream()
                    .filter(s -> s.state() == ModelStatus.State.HEARTBEAT && s.releaseId().endsWith("@shadow"))
                    .findFirst().orElseThrow().health().shadow();
            assertThat(shadow.skipped()).isEqualTo(RECORDS.size());
            assertThat(shadow.compared()).isZero();
        }
        assertThat(factory.handlers()).extracting(TestingModelHandler::closes).containsOnly(1);
    }

    /** What one run of {@link #RECORDS} emitted and reported. */
    private record Run(List<String> results, List<ModelStatus> statuses) {
        ModelStatus shadowBeat() {
            return beat(true);
        }

        ModelStatus servingBeat() {
            return beat(false);
        }

        private ModelStatus beat(boolean shadow) {
            return statuses.stream().filter(s -> s.state() == ModelStatus.State.HEARTBEAT
                    && s.releaseId().endsWith("@shadow") == shadow && s.health().scored() + s.health().errors() > 0)
                    .findFirst().orElseThrow(() -> new AssertionError("no heartbeat with records in " + statuses));
        }
    }

    /** v1 serving from 0, and (if {@code shadow}) v2 shadowing from 0; both staged before the records. */
    private Run run(TestingModelHandlerFactory factory, boolean shadow) throws Exception {
        try (Rig rig = new Rig(factory)) {
            rig.release(release("v1", 0, false));
            rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v1".equals(s.version()));
            if (shadow) {
                rig.release(release("v2", 0, true));
                rig.awaitStatus(s -> s.state() == ModelStatus.State.STAGED && "v2".equals(s.version()));
            }
            RECORDS.forEach(rig::record);
            rig.harness.processWatermark1(new Watermark(400));
            rig.awaitStatus(s -> s.state() == ModelStatus.State.HEARTBEAT && s.health().scored() > 0);
            if (shadow) {
                rig.awaitStatus(s -> s.state() == ModelStatus.State.HEARTBEAT && s.releaseId().endsWith("@shadow")
                        && s.health().scored() + s.health().errors() > 0);
            }
            return new Run(rig.results(), rig.statuses());
        }
    }

    private ModelRelease release(String version, long activateAt, boolean shadow) throws Exception {
        Path file = dir.resolve(version + ".bin");
        if (!Files.exists(file)) {
            Files.writeString(file, "bytes of " + version);
        }
        return ModelRelease.builder().model(MODEL).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(activateAt).publisher("test")
                .publishedAt(1L).shadow(shadow).build();
    }

    /** One subtask of the operator over strings in Flink's two-input harness. */
    private final class Rig implements AutoCloseable {
        final TwoInputStreamOperatorTestHarness<String, ControlMessage, String> harness;
        private final VersionedInferenceOperator<String, String, String> operator;
        private long offset;

        @SuppressWarnings("unchecked")
        Rig(TestingModelHandlerFactory factory) throws Exception {
            VersionedInference<String, String, String> inference = VersionedInference.<String, String, String>builder()
                    .setModelHandlerFactory(factory)
                    .setModelName(MODEL)
                    .setEventTime(record -> Long.parseLong(record.substring(record.indexOf('@') + 1)))
                    .setRoutingKey(record -> record.substring(0, record.indexOf('@')))
                    .setResultBuilder((record, prediction, model, nanos) -> prediction + " by " + model.version())
                    .setResultType(String.class)
                    .setPredictionSummary(new TestingShadowSummary())
                    .setHeartbeatInterval(Duration.ofSeconds(1))
                    .setModelCache(dir.resolve("cache"), 1 << 20, 1)
                    .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            DataStream<String> data = env.fromData(TypeInformation.of(String.class), "unused@0");
            DataStream<ControlMessage> control = env.fromData(ModelBroadcast.CONTROL_MESSAGE_TYPE,
                    new ControlMessage.Release(ShadowScoringTest.this.release("v1", 0, false), null, -1, -1));
            // Not cloned: the testing factory's records stay with this instance.
            operator = (VersionedInferenceOperator<String, String, String>)
                    ((TwoInputTransformation<String, ControlMessage, String>) inference.apply(data, control).results()
                            .getTransformation()).getOperator();
            harness = new TwoInputStreamOperatorTestHarness<>(operator, 128, 1, 0);
            harness.getStreamConfig().setupNetworkInputs(
                    TypeInformation.of(String.class).createSerializer(harness.getExecutionConfig().getSerializerConfig()),
                    ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
            harness.getStreamConfig().serializeAllConfigs();
            harness.setup();
            harness.open();
        }

        void release(ModelRelease release) throws Exception {
            harness.processElement2(new StreamRecord<>(new ControlMessage.Release(release, "control", 0, offset++)));
        }

        void record(String record) {
            try {
                harness.processElement1(new StreamRecord<>(record, Long.parseLong(record.substring(record.indexOf('@') + 1))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        List<String> results() {
            return harness.extractOutputValues();
        }

        List<ModelStatus> statuses() {
            Queue<StreamRecord<ModelStatus>> queue = harness.getSideOutput(operator.statusTag());
            return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
        }

        /** Lets the housekeeping timer run (stagings reported, heartbeats sent) until a status matches. */
        void awaitStatus(Predicate<ModelStatus> wanted) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (statuses().stream().noneMatch(wanted)) {
                assertThat(System.nanoTime()).as("status awaited in %s", statuses()).isLessThan(deadline);
                Thread.sleep(20);
                harness.setProcessingTime(harness.getProcessingTime() + 1_000);
            }
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }
    }
}

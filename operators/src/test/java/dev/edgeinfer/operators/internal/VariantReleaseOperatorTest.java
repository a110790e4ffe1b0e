package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.expectedScore;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * The operator with a latency budget: a multi-variant release is served by the variant that fits
 * and every result names that variant's sha256; a single-file release far slower than the budget
 * is rejected while the current version keeps serving.
 */
class VariantReleaseOperatorTest {

    private static final String MODEL = "sensor-anomaly";
    private static final long T = 1_000;

    @TempDir Path dir;

    record Result(long eventTime, ModelId model, float score) {
        static Result of(SensorWindow w, Float score, ModelId model, long nanos) {
            return new Result(w.endTs(), model, score);
        }
    }

    @Test
    void resultsNameTheChosenVariantAndASlowSingleFileReleaseIsRejectedForTheBudget() throws Exception {
        SharedSelections.clear();
        int runnersBefore = OnnxModelRunner.openRunners();
        Path v1File = TestingOnnxModels.sensorModel(dir.resolve("v1.onnx"), -3f);
        Path slow = TestingOnnxModels.slowSensorModel(dir.resolve("v2-fp32.onnx"));
        Path fast = TestingOnnxModels.sensorModel(dir.resolve("v2-int8.onnx"), 3f);
        ModelRelease v1 = ReleaseFactory.fromFile(MODEL, "v1", v1File, 0, 100, "tester", 1);
        ModelRelease v2Reference = ReleaseFactory.fromFile(MODEL, "v2", slow, T, 100, "tester", 1);
        ModelVariant int8 = new ModelVariant("int8", Sha256.of(fast), fast.toUri().toString(), Files.size(fast),
                List.of(), ModelVariant.CPU, 0.97);
        ModelRelease v2 = v2Reference.toBuilder()
                .variants(List.of(ModelVariant.referenceOf(v2Reference), int8))
                .build();
        ModelRelease v3Slow = ReleaseFactory.fromFile(MODEL, "v3", slow, 2 * T, 100, "tester", 1);

        VersionedInference<SensorWindow, Float, Result> inference = TestingSensorInference.builder(
                        MODEL, Result::of, Result.class, Duration.ofMillis(200), new FileModelFetcher(),
                        dir.resolve("cache"))
                .setBatching(8, Duration.ZERO)
                .setLatencyBudget(Duration.ofMillis(10))
                .build();
        VersionedInferenceOperator<SensorWindow, Float, Result> operator = operatorOf(inference, v1);
        try (TwoInputStreamOperatorTestHarness<SensorWindow, ControlMessage, Result> harness =
                new TwoInputStreamOperatorTestHarness<>(operator, 128, 1, 0)) {
            harness.getStreamConfig().setupNetworkInputs(
                    TypeInformation.of(SensorWindow.class).createSerializer(harness.getExecutionConfig().getSerializerConfig()),
                    ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
            harness.getStreamConfig().serializeAllConfigs();
            harness.setup();
            harness.open();
            long offset = 0;
            for (ModelRelease r : List.of(v1, v2, v3Slow)) {
                harness.processElement2(new StreamRecord<>(new ControlMessage.Release(r, "control", 0, offset++)));
            }
            awaitStatus(harness, operator, ModelStatus.State.REJECTED);
            for (long t : new long[] {0, T, T + 1, 2 * T, 2 * T + 5}) {
                harness.processElement1(new StreamRecord<>(window("dev-a", t), t));
            }
            harness.endInput1();

            List<Result> results = harness.extractOutputValues();
            assertThat(results).as("statuses %s", statuses(harness, operator)).extracting(Result::eventTime).containsExactly(0L, T, T + 1, 2 * T, 2 * T + 5);
            assertThat(results.get(0).model()).isEqualTo(v1.modelId());
            ModelId servedV2 = ModelId.of(MODEL, "v2", int8.sha256());
            for (Result r : results.subList(1, results.size())) {
                assertThat(r.model()).as("v2, by its int8 variant; v3 was rejected: %s", statuses(harness, operator)).isEqualTo(servedV2);
                assertThat((double) r.score()).isCloseTo(expectedScore(window("dev-a", r.eventTime()), 3f), within(1e-5));
            }
            List<ModelStatus> statuses = statuses(harness, operator);
            assertThat(statuses).filteredOn(s -> s.state() == ModelStatus.State.REJECTED).singleElement()
                    .satisfies(s -> {
                        assertThat(s.version()).isEqualTo("v3");
                        assertThat(s.reason()).isEqualTo("LATENCY_BUDGET");
                    });
            assertThat(statuses).filteredOn(s -> s.state() == ModelStatus.State.STAGED && "v2".equals(s.version()))
                    .singleElement()
                    .satisfies(s -> assertThat(s.detail()).contains("\"chosen\":{\"kind\":\"int8\"", int8.sha256(),
                            "\"outcome\":\"OVER_BUDGET\""));
        }
        operator.close();
        assertThat(OnnxModelRunner.openRunners()).as("ONNX runners left open").isEqualTo(runnersBefore);
    }

    private static List<ModelStatus> statuses(TwoInputStreamOperatorTestHarness<SensorWindow, ControlMessage, Result> h,
            VersionedInferenceOperator<SensorWindow, Float, Result> operator) {
        Queue<StreamRecord<ModelStatus>> queue = h.getSideOutput(operator.statusTag());
        return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
    }

    private static void awaitStatus(TwoInputStreamOperatorTestHarness<SensorWindow, ControlMessage, Result> h,
            VersionedInferenceOperator<SensorWindow, Float, Result> operator, ModelStatus.State state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (statuses(h, operator).stream().noneMatch(s -> s.state() == state)) {
            assertThat(System.nanoTime()).as("%s awaited in %s", state, statuses(h, operator)).isLessThan(deadline);
            Thread.sleep(20);
            h.setProcessingTime(h.getProcessingTime() + 1_000);
        }
    }

    /** The operator as {@link VersionedInference#apply} wires it, shipped (serialized) as Flink does. */
    @SuppressWarnings("unchecked")
    private static VersionedInferenceOperator<SensorWindow, Float, Result> operatorOf(
            VersionedInference<SensorWindow, Float, Result> inference, ModelRelease any) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var streams = inference.apply(env.fromData(TypeInformation.of(SensorWindow.class), window("unused", 0)),
                env.fromData(ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(any, null, -1, -1)));
        var transformation = (TwoInputTransformation<SensorWindow, ControlMessage, Result>)
                streams.results().getTransformation();
        return InstantiationUtil.clone((VersionedInferenceOperator<SensorWindow, Float, Result>) transformation.getOperator(),
                VariantReleaseOperatorTest.class.getClassLoader());
    }
}

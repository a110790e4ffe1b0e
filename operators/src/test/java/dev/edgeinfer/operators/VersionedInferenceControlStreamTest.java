package dev.edgeinfer.operators;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.window;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ControlStream;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.internal.VersionedInferenceOperator;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.junit.jupiter.api.Test;

import java.util.List;

/** What {@link VersionedInference#apply} hands the operator from a {@link ControlStream}. */
class VersionedInferenceControlStreamTest {

    private static final String MODEL = "sensor-anomaly";

    record Scored(String deviceId, float score) {}

    @Test
    void releasesPublishedBeforeSubmissionOfThisModelReachTheOperatorAlongsideTheBuildersOwn() {
        ModelRelease own = release(MODEL, "v0", 0);
        ModelRelease published = release(MODEL, "v1", 1_000);
        ModelRelease otherModel = release("another-model", "v1", 0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<ControlMessage> messages =
                env.fromData(ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(own, null, -1, -1));

        VersionedInferenceOperator<?, ?, ?> operator =
                operatorOf(inference().addPublishedRelease(own).build(), env, new ControlStream(messages, List.of(published, otherModel)));

        assertThat(operator.settings().publishedReleases()).containsExactly(own, published);
    }

    @Test
    void aPlainControlStreamAddsNothingToWhatTheBuilderWasGiven() {
        ModelRelease own = release(MODEL, "v0", 0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<ControlMessage> messages =
                env.fromData(ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(own, null, -1, -1));

        VersionedInferenceOperator<?, ?, ?> operator =
                operatorOf(inference().addPublishedRelease(own).build(), env, ControlStream.withoutBootstrap(messages));

        assertThat(operator.settings().publishedReleases()).containsExactly(own);
    }

    private static VersionedInference.Builder<SensorWindow, Float, Scored> inference() {
        return VersionedInference.<SensorWindow, Float, Scored>builder()
                .setModelName(MODEL)
                .setAdapter(new SensorAnomalyAdapter(4, 16))
                .setEventTime(SensorWindow::endTs)
                .setRoutingKey(SensorWindow::deviceId)
                .setResultBuilder((w, score, model, nanos) -> new Scored(w.deviceId(), score))
                .setResultType(Scored.class);
    }

    private static VersionedInferenceOperator<?, ?, ?> operatorOf(
            VersionedInference<SensorWindow, Float, Scored> inference, StreamExecutionEnvironment env, ControlStream control) {
        DataStream<SensorWindow> data = env.fromData(TypeInformation.of(SensorWindow.class), window("dev-a", 0));
        TwoInputTransformation<?, ?, ?> transformation =
                (TwoInputTransformation<?, ?, ?>) inference.apply(data, control).results().getTransformation();
        return (VersionedInferenceOperator<?, ?, ?>) transformation.getOperator();
    }

    private static ModelRelease release(String model, String version, long activateAt) {
        return ModelRelease.builder()
                .model(model)
                .version(version)
                .sha256("ab".repeat(32))
                .uri("file:///models/" + model + "-" + version + ".onnx")
                .sizeBytes(440)
                .signature(sensorSignature())
                .activateAt(activateAt)
                .publisher("test@edgeinfer")
                .publishedAt(1_767_225_590_000L)
                .build();
    }
}

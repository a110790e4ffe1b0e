package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory.TestingModelHandler;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The operator with another engine plugged in through {@code setModelHandlerFactory}: records
 * are "{@code key@eventTime}" strings, predictions come from {@link TestingModelHandlerFactory}.
 */
class VersionedInferenceHandlerFactoryTest {

    private static final String MODEL = "sensor-anomaly";

    @TempDir Path dir;

    @Test
    void aConfiguredHandlerFactoryLoadsEveryVersionAndScoresItsRecordsWithoutAnAdapter() throws Exception {
        TestingModelHandlerFactory factory = new TestingModelHandlerFactory();
        VersionedInferenceOperator<String, String, String> operator = operator(VersionedInference
                .<String, String, String>builder()
                .setModelHandlerFactory(factory));
        TwoInputStreamOperatorTestHarness<String, ControlMessage, String> harness =
                new TwoInputStreamOperatorTestHarness<>(operator, 128, 1, 0);
        harness.getStreamConfig().setupNetworkInputs(
                TypeInformation.of(String.class).createSerializer(harness.getExecutionConfig().getSerializerConfig()),
                ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
        harness.getStreamConfig().serializeAllConfigs();
        harness.setup();
        harness.open();
        try {
            harness.processElement2(new StreamRecord<>(new ControlMessage.Release(release("v1", 0), "control", 0, 0)));
            harness.processElement2(new StreamRecord<>(new ControlMessage.Release(release("v2", 1_000), "control", 0, 1)));
            harness.processElement1(new StreamRecord<>("dev-a@999", 999));
            harness.processElement1(new StreamRecord<>("dev-a@1000", 1_000));

            assertThat(harness.extractOutputValues())
                    .containsExactly("v1:dev-a@999 by sensor-anomaly:v1", "v2:dev-a@1000 by sensor-anomaly:v2");
            assertThat(factory.loadedFiles()).containsExactlyInAnyOrder("bytes of v1", "bytes of v2");
        } finally {
            harness.close();
        }
        assertThat(factory.handlers()).extracting(TestingModelHandler::closes).containsOnly(1);
    }

    @Test
    void withoutAHandlerFactoryTheBuilderAsksForTheAdapterOfTheDefaultOnnxEngine() {
        VersionedInference.Builder<String, String, String> builder = configure(VersionedInference.builder());

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("setAdapter");
    }

    private static VersionedInference.Builder<String, String, String> configure(
            VersionedInference.Builder<String, String, String> builder) {
        return builder.setModelName(MODEL)
                .setEventTime(record -> Long.parseLong(record.substring(record.indexOf('@') + 1)))
                .setRoutingKey(record -> record.substring(0, record.indexOf('@')))
                .setResultBuilder((record, prediction, model, nanos) -> prediction + " by " + model.name() + ":"
                        + model.version())
                .setResultType(String.class)
                .setHeartbeatInterval(Duration.ZERO);
    }

    @SuppressWarnings("unchecked")
    private VersionedInferenceOperator<String, String, String> operator(
            VersionedInference.Builder<String, String, String> builder) throws Exception {
        VersionedInference<String, String, String> inference =
                configure(builder).setModelCache(dir.resolve("cache"), 1 << 20, 1).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<String> data = env.fromData(TypeInformation.of(String.class), "unused@0");
        DataStream<ControlMessage> control = env.fromData(
                ModelBroadcast.CONTROL_MESSAGE_TYPE, new ControlMessage.Release(release("v0", 0), null, -1, -1));
        // Not cloned: the testing factory's records stay with this instance.
        return (VersionedInferenceOperator<String, String, String>)
                ((TwoInputTransformation<String, ControlMessage, String>) inference.apply(data, control).results()
                        .getTransformation()).getOperator();
    }

    private ModelRelease release(String version, long activateAt) throws Exception {
        Path file = Files.writeString(dir.resolve(version + ".bin"), "bytes of " + version);
        return ModelRelease.builder().model(MODEL).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(activateAt).publisher("test")
                .publishedAt(1L).build();
    }
}

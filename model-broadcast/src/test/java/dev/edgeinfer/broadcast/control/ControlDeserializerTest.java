package dev.edgeinfer.broadcast.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

class ControlDeserializerTest {

    private static final String TOPIC = "edge.models.control";

    private final ModelRelease release = Releases.full("sensor-anomaly", "v2", 1_000);

    private static List<ControlMessage> deserialize(ControlDeserializer d, byte[] key, byte[] value) {
        List<ControlMessage> out = new ArrayList<>();
        d.deserialize(new ConsumerRecord<>(TOPIC, 3, 41L, key, value), new Collector<>() {
            @Override
            public void collect(ControlMessage record) {
                out.add(record);
            }

            @Override
            public void close() {}
        });
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aValidReleaseKeyedByReleaseIdBecomesARelease() {
        List<ControlMessage> out = deserialize(new ControlDeserializer(), utf8(release.releaseId()), ModelReleaseJson.toJson(release));
        assertThat(out).containsExactly(new ControlMessage.Release(release, TOPIC, 3, 41L));
    }

    @Test
    void garbageBecomesARejectionWithTheRawBytesInsteadOfAnException() {
        byte[] garbage = {0x00, (byte) 0xff, 'x', '{'};
        List<ControlMessage> out = deserialize(new ControlDeserializer(), utf8("sensor-anomaly@1000@v2@abc"), garbage);
        assertThat(out).hasSize(1);
        ControlMessage.Rejected r = (ControlMessage.Rejected) out.get(0);
        assertThat(r.reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(r.value()).isEqualTo(garbage);
        assertThat(r.keyAsString()).isEqualTo("sensor-anomaly@1000@v2@abc");
        assertThat(r.modelHint()).contains("sensor-anomaly");
        assertThat(r.offset()).isEqualTo(41L);
        assertThat(r.partition()).isEqualTo(3);
    }

    @Test
    void aRecordKeyedByWhatIsNotAReleaseIdAndWithoutAModelFieldNamesNoModel() {
        byte[] truncated = utf8("{\"schema\":1,\"type\":\"rel");
        byte[] unknownSchema = utf8("{\"schema\":99,\"type\":\"release\"}");
        for (byte[] value : List.of(truncated, unknownSchema)) {
            ControlMessage.Rejected r =
                    (ControlMessage.Rejected) deserialize(new ControlDeserializer(), utf8("sensor-anomaly"), value).get(0);
            assertThat(r.modelHint()).as("a key that is not a release id names nobody").isEmpty();
            assertThat(r.keyAsString()).isEqualTo("sensor-anomaly");
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(1);
        ControlDeserializer d = new ControlDeserializer();
        for (int i = 0; i < 2_000; i++) {
            byte[] value = new byte[rnd.nextInt(64)];
            rnd.nextBytes(value);
            if (i % 3 == 0) {
                value = ("{\"schema\":1,\"type\":\"release\",\"model\":" + (i % 2 == 0 ? "\"m\"" : "[]") + "}").getBytes(StandardCharsets.UTF_8);
            }
            List<ControlMessage> out = deserialize(d, rnd.nextBoolean() ? null : value, value);
            assertThat(out).hasSize(1).first().isInstanceOf(ControlMessage.Rejected.class);
        }
    }

    @Test
    void aSchemaViolationKeepsTheReasonFieldAndModelHint() {
        String json = new String(ModelReleaseJson.toJson(release), StandardCharsets.UTF_8).replace("\"canaryPercent\":100", "\"canaryPercent\":0");
        ControlMessage.Rejected r = (ControlMessage.Rejected) deserialize(new ControlDeserializer(), null, utf8(json)).get(0);
        assertThat(r.reason()).isEqualTo(Reason.INVALID_FIELD);
        assertThat(r.field()).isEqualTo("canaryPercent");
        assertThat(r.offendingValue()).isEqualTo("0");
        assertThat(r.modelHint()).contains("sensor-anomaly");
    }

    @Test
    void aReleaseKeyedByModelNameIsRejectedAsKeyMismatch() {
        ControlMessage.Rejected r = (ControlMessage.Rejected) deserialize(
                new ControlDeserializer(), utf8("sensor-anomaly"), ModelReleaseJson.toJson(release)).get(0);
        assertThat(r.reason()).isEqualTo(Reason.KEY_MISMATCH);
        assertThat(r.offendingValue()).isEqualTo("sensor-anomaly");
        assertThat(r.detail()).contains(release.releaseId());
        assertThat(deserialize(new ControlDeserializer(), null, ModelReleaseJson.toJson(release)).get(0))
                .isInstanceOf(ControlMessage.Rejected.class);
    }

    @Test
    void keyCheckCanBeDisabledForLegacyTopics() {
        assertThat(deserialize(new ControlDeserializer(false), utf8("sensor-anomaly"), ModelReleaseJson.toJson(release)))
                .containsExactly(new ControlMessage.Release(release, TOPIC, 3, 41L));
    }

    @Test
    void tombstonesProduceNothing() {
        assertThat(deserialize(new ControlDeserializer(), utf8(release.releaseId()), null)).isEmpty();
    }

    @Test
    void producedTypeIsTheControlMessageType() {
        assertThat(new ControlDeserializer().getProducedType()).isEqualTo(ModelBroadcast.CONTROL_MESSAGE_TYPE);
    }

    @Test
    void controlSourceIsUnboundedAndBuildsWithoutABroker() {
        KafkaSource<ControlMessage> source = ModelBroadcast.controlSource("127.0.0.1:9", TOPIC, "g");
        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    }
}

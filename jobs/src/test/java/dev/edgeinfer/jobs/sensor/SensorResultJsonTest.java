package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.kafka.JsonRecordSerializer;
import dev.edgeinfer.operators.sensor.SensorWindow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

class SensorResultJsonTest {

    private static final String SHA = "3f1c" + "0".repeat(56) + "abcd";
    private static final ModelId MODEL = ModelId.of("sensor-anomaly", "v1", SHA);
    private static final SensorResult RESULT =
            new SensorResult(
                    "dev-0007", 41, 1_764_280_000_000L, 1_764_280_001_500L, 0.93f, true, MODEL, "edge-local",
                    1_764_280_001_502L);

    private final ObjectMapper json = new ObjectMapper();

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void resultSurvivesARoundTripThroughJson() throws IOException {
        assertThat(SensorResultJson.fromJson(SensorResultJson.toJson(RESULT))).isEqualTo(RESULT);
    }

    @Test
    void roundTripKeepsExtremeValuesExactly() throws IOException {
        SensorResult r =
                new SensorResult(
                        "dév-\"quoted\"\n", Long.MAX_VALUE, Long.MIN_VALUE, 0, Float.MIN_VALUE, false,
                        ModelId.of("m", "2025.11-rc1", "f".repeat(64)), "site/ü", -1);

        assertThat(SensorResultJson.fromJson(SensorResultJson.toJson(r))).isEqualTo(r);
    }

    @Test
    void jsonUsesExactlyTheDocumentedFieldNamesInDocumentedOrder() throws IOException {
        JsonNode root = json.readTree(SensorResultJson.toJson(RESULT));

        assertThat(fieldNames(root))
                .containsExactly(
                        "deviceId", "window", "windowStart", "windowEnd", "score", "anomaly", "model", "site",
                        "timings");
        assertThat(fieldNames(root.get("model"))).containsExactly("name", "version", "sha256");
    }

    @Test
    void jsonFieldsCarryTheResultsValuesWithJsonTypes() throws IOException {
        JsonNode root = json.readTree(SensorResultJson.toJson(RESULT));

        assertThat(root.get("deviceId").textValue()).isEqualTo("dev-0007");
        assertThat(root.get("window").isIntegralNumber()).isTrue();
        assertThat(root.get("window").longValue()).isEqualTo(41);
        assertThat(root.get("windowStart").longValue()).isEqualTo(1_764_280_000_000L);
        assertThat(root.get("windowEnd").longValue()).isEqualTo(1_764_280_001_500L);
        assertThat(root.get("score").isNumber()).isTrue();
        assertThat(root.get("score").floatValue()).isEqualTo(0.93f);
        assertThat(root.get("anomaly").isBoolean()).isTrue();
        assertThat(root.get("anomaly").booleanValue()).isTrue();
        assertThat(root.get("model").get("name").textValue()).isEqualTo("sensor-anomaly");
        assertThat(root.get("model").get("version").textValue()).isEqualTo("v1");
        assertThat(root.get("model").get("sha256").textValue()).isEqualTo(SHA);
        assertThat(root.get("site").textValue()).isEqualTo("edge-local");
        assertThat(root.get("timings").get("sourceTs").longValue()).isEqualTo(1_764_280_001_502L);
        assertThat(fieldNames(root.get("timings"))).containsExactly("sourceTs"); // nothing measured per call
    }

    @Test
    void theJavadocExampleParses() throws IOException {
        // The example from SensorResultJson's javadoc, with the sha256 written out in full.
        String example =
                "{\"deviceId\":\"dev-0007\",\"window\":41,\"windowStart\":1764280000000,\"windowEnd\":1764280001500,"
                        + "\"score\":0.93,\"anomaly\":true,"
                        + "\"model\":{\"name\":\"sensor-anomaly\",\"version\":\"v1\",\"sha256\":\"" + SHA + "\"},"
                        + "\"site\":\"edge-local\",\"timings\":{\"sourceTs\":1764280001502}}";

        assertThat(SensorResultJson.fromJson(example.getBytes(StandardCharsets.UTF_8))).isEqualTo(RESULT);
        assertThat(json.readTree(SensorResultJson.toJson(RESULT))).isEqualTo(json.readTree(example));
    }

    @Test
    void jsonWithAnInvalidModelSha256IsRejectedOnRead() {
        String bad = new String(SensorResultJson.toJson(RESULT), StandardCharsets.UTF_8).replace(SHA, "not-a-sha");

        assertThatThrownBy(() -> SensorResultJson.fromJson(bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not-a-sha");
    }

    @Test
    void resultOfFlagsAnomalyAtOrAboveTheThresholdAndConvertsNanosToMicros() {
        SensorWindow w = new SensorWindow("dev-3", 5, 100, 250, 260, 1, new float[] {1, 2});

        SensorResult at = SensorResult.of(w, 0.5f, 0.5f, MODEL, "site-a");
        SensorResult below = SensorResult.of(w, 0.49f, 0.5f, MODEL, "site-a");

        assertThat(at).isEqualTo(new SensorResult("dev-3", 5, 100, 250, 0.5f, true, MODEL, "site-a", 260));
        assertThat(below.anomaly()).isFalse();
    }

    @Test
    void serializerWritesTheJsonKeyedByDeviceIdToTheConfiguredTopic() throws IOException {
        ProducerRecord<byte[], byte[]> record = JsonRecordSerializer.of("edge.inference.results", SensorResult::deviceId, SensorResultJson::toJson)
                .serialize(RESULT, null, 123L);

        assertThat(record.topic()).isEqualTo("edge.inference.results");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("dev-0007");
        assertThat(SensorResultJson.fromJson(record.value())).isEqualTo(RESULT);
        assertThat(record.partition()).isNull();
    }
}

package dev.edgeinfer.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.sensor.SensorRejectReason;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

class DeadLetterSerializerTest {

    private static final String TOPIC = "edge.inference.deadletter";

    private final DeadLetterSerializer serializer = new DeadLetterSerializer(TOPIC);

    private static String header(Headers headers, String name) {
        Header[] all = java.util.stream.StreamSupport.stream(headers.headers(name).spliterator(), false)
                .toArray(Header[]::new);
        assertThat(all).as("headers named %s", name).hasSize(1);
        return new String(all[0].value(), StandardCharsets.UTF_8);
    }

    @Test
    void originalKeyAndValueBytesAreWrittenUntouched() {
        // Not valid UTF-8 on purpose: the bytes must not go through any decoding.
        byte[] key = {(byte) 0xff, 0x00, (byte) 0xfe, 'k'};
        byte[] value = {'{', (byte) 0xc3, (byte) 0x28, 0x00, (byte) 0x80, '}'};
        RawRecord raw = new RawRecord(key, value.clone(), "edge.sensor.readings", 3, 1234L, 1_764_280_000_000L);

        ProducerRecord<byte[], byte[]> record =
                serializer.serialize(new DeadLetter(raw, SensorRejectReason.MALFORMED_JSON, "bad"), null, 99L);

        assertThat(record.key()).containsExactly((byte) 0xff, 0x00, (byte) 0xfe, 'k');
        assertThat(record.value()).containsExactly('{', (byte) 0xc3, (byte) 0x28, 0x00, (byte) 0x80, '}');
        assertThat(record.topic()).isEqualTo(TOPIC);
        assertThat(record.timestamp()).isEqualTo(1_764_280_000_000L);
        assertThat(record.partition()).isNull();
    }

    @Test
    void headersCarryReasonDetailAndSource() {
        RawRecord raw = new RawRecord("dev-1".getBytes(StandardCharsets.UTF_8), new byte[] {'x'}, "edge.sensor.readings", 2, 42L, 7L);

        ProducerRecord<byte[], byte[]> record =
                serializer.serialize(
                        new DeadLetter(raw, SensorRejectReason.WRONG_VECTOR_LENGTH, "values has 3 entries, expected 4"),
                        null,
                        null);

        assertThat(header(record.headers(), "edgeinfer.reason")).isEqualTo("WRONG_VECTOR_LENGTH");
        assertThat(header(record.headers(), "edgeinfer.detail")).isEqualTo("values has 3 entries, expected 4");
        assertThat(header(record.headers(), "edgeinfer.source")).isEqualTo("edge.sensor.readings/2/42");
        assertThat(record.headers().toArray()).hasSize(3);
        assertThat(DeadLetterSerializer.REASON_HEADER).isEqualTo("edgeinfer.reason");
        assertThat(DeadLetterSerializer.DETAIL_HEADER).isEqualTo("edgeinfer.detail");
        assertThat(DeadLetterSerializer.SOURCE_HEADER).isEqualTo("edgeinfer.source");
    }

    @Test
    void nonAsciiDetailIsWrittenAsUtf8() {
        RawRecord raw = new RawRecord(null, new byte[] {1}, "t", 0, 0L, 0L);

        ProducerRecord<byte[], byte[]> record =
                serializer.serialize(new DeadLetter(raw, SensorRejectReason.INVALID_DEVICE_ID, "deviceId ‘ü’ 😀"), null, null);

        assertThat(record.headers().lastHeader("edgeinfer.detail").value())
                .isEqualTo("deviceId ‘ü’ 😀".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tombstoneWithoutKeyKeepsNullKeyAndNullValue() {
        RawRecord raw = new RawRecord(null, null, "edge.sensor.readings", 0, 5L, 11L);

        ProducerRecord<byte[], byte[]> record =
                serializer.serialize(new DeadLetter(raw, SensorRejectReason.EMPTY_RECORD, "record has no value"), null, null);

        assertThat(record.key()).isNull();
        assertThat(record.value()).isNull();
        assertThat(header(record.headers(), "edgeinfer.reason")).isEqualTo("EMPTY_RECORD");
        assertThat(header(record.headers(), "edgeinfer.source")).isEqualTo("edge.sensor.readings/0/5");
    }

    @Test
    void everyRejectReasonIsWrittenByItsName() {
        RawRecord raw = new RawRecord(null, new byte[] {1}, "t", 0, 0L, 0L);
        for (SensorRejectReason reason : SensorRejectReason.values()) {
            ProducerRecord<byte[], byte[]> record = serializer.serialize(new DeadLetter(raw, reason, "d"), null, null);

            assertThat(header(record.headers(), "edgeinfer.reason")).isEqualTo(reason.name());
            assertThat(SensorRejectReason.valueOf(header(record.headers(), "edgeinfer.reason"))).isEqualTo(reason);
        }
    }
}

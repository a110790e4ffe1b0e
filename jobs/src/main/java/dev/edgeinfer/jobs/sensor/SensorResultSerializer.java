package dev.edgeinfer.jobs.sensor;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes results as JSON ({@link SensorResultJson}) keyed by deviceId. */
public final class SensorResultSerializer implements KafkaRecordSerializationSchema<SensorResult> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public SensorResultSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(SensorResult result, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, result.deviceId().getBytes(StandardCharsets.UTF_8), SensorResultJson.toJson(result));
    }
}

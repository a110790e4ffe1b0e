package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes model status reports as JSON keyed by {@code site/job/subtask}. */
public final class ModelStatusSerializer implements KafkaRecordSerializationSchema<ModelStatus> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public ModelStatusSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ModelStatus status, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, status.key().getBytes(StandardCharsets.UTF_8), ModelStatusJson.toJson(status));
    }
}

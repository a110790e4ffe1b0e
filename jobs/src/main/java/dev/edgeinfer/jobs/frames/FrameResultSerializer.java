package dev.edgeinfer.jobs.frames;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes results as JSON ({@link FrameResultJson}) keyed by cameraId. */
public final class FrameResultSerializer implements KafkaRecordSerializationSchema<FrameResult> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public FrameResultSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(FrameResult result, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic, result.cameraId().getBytes(StandardCharsets.UTF_8), FrameResultJson.toJson(result));
    }
}

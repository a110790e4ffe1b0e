package dev.edgeinfer.jobs.kafka;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes each element as one JSON record on one topic, keyed by a string of the element (UTF-8):
 * results by device or camera, status reports by {@code site/job/subtask}. The functions are
 * serializable because the sink ships with the job graph.
 *
 * @param <T> what is written
 */
public final class JsonRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializableFunction<T, String> key;
    private final SerializableFunction<T, byte[]> json;

    private JsonRecordSerializer(String topic, SerializableFunction<T, String> key, SerializableFunction<T, byte[]> json) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.key = Objects.requireNonNull(key, "key");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Writes {@code json(element)} to {@code topic} with key {@code key(element)}. */
    public static <T> JsonRecordSerializer<T> of(
            String topic, SerializableFunction<T, String> key, SerializableFunction<T, byte[]> json) {
        return new JsonRecordSerializer<>(topic, key, json);
    }

    /** The topic every record goes to. */
    public String topic() {
        return topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, key.apply(element).getBytes(StandardCharsets.UTF_8), json.apply(element));
    }
}

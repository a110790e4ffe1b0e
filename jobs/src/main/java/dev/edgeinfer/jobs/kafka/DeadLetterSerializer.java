package dev.edgeinfer.jobs.kafka;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Writes a {@link DeadLetter} with the original key and value bytes unchanged and the reason in
 * headers: {@code edgeinfer.reason} (a {@code SensorRejectReason} name), {@code edgeinfer.detail},
 * {@code edgeinfer.source} ({@code topic/partition/offset}).
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    public static final String REASON_HEADER = "edgeinfer.reason";
    public static final String DETAIL_HEADER = "edgeinfer.detail";
    public static final String SOURCE_HEADER = "edgeinfer.source";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RawRecord raw = letter.original();
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON_HEADER, letter.reason().name().getBytes(StandardCharsets.UTF_8));
        headers.add(DETAIL_HEADER, String.valueOf(letter.detail()).getBytes(StandardCharsets.UTF_8));
        headers.add(
                SOURCE_HEADER,
                (raw.topic() + "/" + raw.partition() + "/" + raw.offset()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, raw.timestamp(), raw.key(), raw.value(), headers);
    }
}

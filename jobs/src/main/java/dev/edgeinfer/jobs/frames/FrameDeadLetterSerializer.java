package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.DeadLetter;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a rejected frame like every dead letter ({@link DeadLetterSerializer}: original key and
 * value bytes, {@code edgeinfer.reason}, {@code edgeinfer.detail}, {@code edgeinfer.source}),
 * plus the frame headers it arrived with ({@code ts}, {@code format}, {@code width},
 * {@code height}), byte for byte, so it can be inspected or replayed as it was.
 */
public final class FrameDeadLetterSerializer implements KafkaRecordSerializationSchema<FrameDeadLetter> {

    private static final long serialVersionUID = 1L;

    private final DeadLetterSerializer letters;

    public FrameDeadLetterSerializer(String topic) {
        this.letters = new DeadLetterSerializer(topic);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(FrameDeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RawFrame raw = letter.original();
        ProducerRecord<byte[], byte[]> record =
                letters.serialize(new DeadLetter(raw.record(), letter.reason(), letter.detail()), context, timestamp);
        add(record, RawFrame.TS_HEADER, raw.ts());
        add(record, RawFrame.FORMAT_HEADER, raw.format());
        add(record, RawFrame.WIDTH_HEADER, raw.width());
        add(record, RawFrame.HEIGHT_HEADER, raw.height());
        return record;
    }

    private static void add(ProducerRecord<byte[], byte[]> record, String key, byte[] value) {
        if (value != null) {
            record.headers().add(key, value);
        }
    }
}

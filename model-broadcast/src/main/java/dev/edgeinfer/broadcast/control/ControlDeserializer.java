package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns control-topic records into {@link ControlMessage}s without ever throwing: a valid release
 * becomes {@link ControlMessage.Release}, anything else a {@link ControlMessage.Rejected} carrying
 * the raw bytes and the reason.
 *
 * <pre>{@code
 * KafkaSource<ControlMessage> source = KafkaSource.<ControlMessage>builder()
 *         .setDeserializer(new ControlDeserializer())   // or just ModelBroadcast.controlSource(...)
 *         ...;
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> One message per non-tombstone record, in partition order.
 * Tombstones (null values — compaction housekeeping that deletes a long-superseded releaseId)
 * produce nothing: the timeline is the union of the releases seen, and deleting history is not a
 * way to roll back (publish a new activation instead). By default the record key must equal the
 * release's {@link ModelRelease#releaseId()}, otherwise the record is rejected with
 * {@code KEY_MISMATCH}; pass {@code false} to accept any key (e.g. to read a topic written by
 * older tooling), at the price of compaction possibly losing history.
 */
public final class ControlDeserializer implements KafkaRecordDeserializationSchema<ControlMessage> {

    private static final long serialVersionUID = 1L;

    private final boolean requireReleaseIdKey;

    /** A deserializer that requires key == releaseId. */
    public ControlDeserializer() {
        this(true);
    }

    public ControlDeserializer(boolean requireReleaseIdKey) {
        this.requireReleaseIdKey = requireReleaseIdKey;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ControlMessage> out) {
        if (record.value() == null) {
            return;
        }
        out.collect(ControlMessage.decode(record.key(), record.value(), record.topic(),
                record.partition(), record.offset(), requireReleaseIdKey));
    }

    @Override
    public TypeInformation<ControlMessage> getProducedType() {
        return ModelBroadcast.CONTROL_MESSAGE_TYPE;
    }
}

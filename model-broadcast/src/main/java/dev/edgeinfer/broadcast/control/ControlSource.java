package dev.edgeinfer.broadcast.control;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

import java.util.Objects;
import java.util.Properties;

/**
 * Builds the Kafka source of the control topic. Kept apart from {@link ModelBroadcast} so that
 * loading {@code ModelBroadcast} (for its state descriptor) never needs the Kafka connector on the
 * class path; only calling {@link ModelBroadcast#controlSource} does.
 *
 * <pre>{@code
 * KafkaSource<ControlMessage> source = ControlSource.create("kafka:9092", "edge.models.control",
 *         "edgeinfer-sensor-control", securityProps);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Always starts from the EARLIEST offset on a fresh start (the
 * whole compacted history is the timeline; committed group offsets are ignored), and from the
 * checkpointed offsets on a restore (the broadcast state already holds everything before them).
 * Reads with {@code isolation.level=read_committed} so a release written in an aborted
 * transaction is never activated. Unbounded.
 */
public final class ControlSource {

    private ControlSource() {}

    /**
     * @param extraProperties consumer properties (security, timeouts); applied first, so they cannot
     *     change the bootstrap servers, topic, group or starting offsets given here; may be {@code null}
     */
    public static KafkaSource<ControlMessage> create(
            String bootstrapServers, String topic, String groupId, Properties extraProperties) {
        requireText("bootstrapServers", bootstrapServers);
        requireText("topic", topic);
        requireText("groupId", groupId);
        Properties props = new Properties();
        if (extraProperties != null) {
            props.putAll(extraProperties);
        }
        props.setProperty("isolation.level", "read_committed");
        return KafkaSource.<ControlMessage>builder()
                .setProperties(props)
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                // EARLIEST, not committed offsets: a job started fresh must rebuild the whole timeline,
                // or records replayed from before the newest release would resolve differently.
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new ControlDeserializer())
                .build();
    }

    private static void requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be null or blank, got '" + value + "'");
        }
        Objects.requireNonNull(value);
    }
}

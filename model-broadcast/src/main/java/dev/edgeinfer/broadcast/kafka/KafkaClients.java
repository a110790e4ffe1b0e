package dev.edgeinfer.broadcast.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The one place EdgeInfer builds plain Kafka clients (outside Flink's connectors), so every
 * producer, reader and admin client starts from the same defaults and names itself.
 *
 * <ul>
 *   <li>{@linkplain #producer producers}: byte-array key and value, {@code acks=all}, idempotent,
 *       {@code linger.ms=0} (records are sent at once rather than after Kafka 4's 5 ms default);
 *   <li>{@linkplain #reader readers}: byte-array key and value, no auto-commit (readers assign
 *       partitions and track positions themselves, they never join a group), and
 *       {@code read_committed} when asked so aborted transactions stay invisible;
 *   <li>{@linkplain #admin admin clients}: just the bootstrap and the client id.
 * </ul>
 *
 * Each factory takes the bootstrap servers, a client id (it shows in broker logs and metrics)
 * and overrides, which win over the defaults (e.g. a bigger {@code max.request.size}, or
 * security settings passed through by the user).
 */
public final class KafkaClients {

    private KafkaClients() {}

    /** A byte-array producer with the defaults above, then {@code overrides}. */
    public static KafkaProducer<byte[], byte[]> producer(
            String bootstrapServers, String clientId, Map<String, ?> overrides) {
        Properties props = base(bootstrapServers, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.putAll(Objects.requireNonNull(overrides, "overrides"));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** As {@link #producer(String, String, Map)} with no overrides. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers, String clientId) {
        return producer(bootstrapServers, clientId, Map.of());
    }

    /**
     * A byte-array consumer that never commits offsets, reading {@code read_committed} when
     * {@code readCommitted} (else {@code read_uncommitted}), then {@code overrides}.
     */
    public static KafkaConsumer<byte[], byte[]> reader(
            String bootstrapServers, String clientId, boolean readCommitted, Map<String, ?> overrides) {
        Properties props = base(bootstrapServers, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putAll(Objects.requireNonNull(overrides, "overrides"));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** An admin client with the given client id, then {@code overrides}. */
    public static Admin admin(String bootstrapServers, String clientId, Map<String, ?> overrides) {
        Properties props = base(bootstrapServers, clientId);
        props.putAll(Objects.requireNonNull(overrides, "overrides"));
        return Admin.create(props);
    }

    /**
     * Assigns {@code reader} every partition of {@code topics} (waiting up to {@code timeout} for
     * each topic's metadata) and returns them; the reader's position is left where Kafka puts it.
     */
    public static List<TopicPartition> assignAll(
            KafkaConsumer<?, ?> reader, List<String> topics, Duration timeout) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            reader.partitionsFor(topic, timeout)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        reader.assign(partitions);
        return partitions;
    }

    private static Properties base(String bootstrapServers, String clientId) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, Objects.requireNonNull(clientId, "clientId"));
        return props;
    }
}

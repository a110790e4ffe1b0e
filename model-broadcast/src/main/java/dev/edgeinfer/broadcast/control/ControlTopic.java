package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.DeprecationJson;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Client side of the control topic: publish a release (keyed by its release id, so compaction
 * keeps every activation) and read the whole timeline back.
 *
 * <pre>{@code
 * ControlTopic control = new ControlTopic("kafka:9092", "edge.models.control");
 * control.publish(release);                    // waits for the broker's acknowledgement
 * ReleaseTimeline timeline = control.timeline();
 * }</pre>
 */
public final class ControlTopic {

    private final String bootstrapServers;
    private final String topic;
    private final Map<String, String> clientProperties;

    public ControlTopic(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, Map.of());
    }

    private ControlTopic(String bootstrapServers, String topic, Map<String, String> clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /** This topic read and written with extra Kafka client properties (security, timeouts). */
    public ControlTopic withClientProperties(Map<String, String> properties) {
        java.util.HashMap<String, String> merged = new java.util.HashMap<>(clientProperties);
        merged.putAll(properties);
        return new ControlTopic(bootstrapServers, topic, merged);
    }

    /** Writes the release and waits for the broker's acknowledgement (acks=all, idempotent). */
    public RecordMetadata publish(ModelRelease release) throws ExecutionException, InterruptedException {
        return publish(release.releaseId(), ModelReleaseJson.toJson(release));
    }

    /** Writes the advisory (keyed by its advisory id) and waits for the broker's acknowledgement. */
    public RecordMetadata publish(DeprecationAdvisory advisory) throws ExecutionException, InterruptedException {
        return publish(advisory.advisoryId(), DeprecationJson.toJson(advisory));
    }

    private RecordMetadata publish(String key, byte[] value) throws ExecutionException, InterruptedException {
        // Kafka's own 5 ms linger, as before the shared factory's linger 0 (one record, sent synchronously).
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(
                bootstrapServers, "edgeinfer-publisher", with(Map.of(ProducerConfig.LINGER_MS_CONFIG, "5")))) {
            return producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    /**
     * Every valid release on the topic, read from the beginning to the current end.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException if the end is not reached in 30 s
     */
    public List<ModelRelease> readAll() {
        return readAll(false);
    }

    /**
     * As {@link #readAll()}; with {@code requireReleaseIdKey}, only releases whose record key is
     * their {@code releaseId()} (what the job's control source accepts; others it rejects with
     * {@code KEY_MISMATCH}). A missing topic has no releases (it is not auto-created).
     */
    public List<ModelRelease> readAll(boolean requireReleaseIdKey) {
        List<ModelRelease> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.reader(bootstrapServers, "edgeinfer-timeline-reader",
                true, with(Map.of(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false")))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue;
                    }
                    ControlMessage message = ControlMessage.decode(
                            record.key(), record.value(), record.topic(), record.partition(), record.offset(), requireReleaseIdKey);
                    if (message instanceof ControlMessage.Release release) {
                        out.add(release.release());
                    }
                }
            }
            for (TopicPartition p : partitions) {
                if (consumer.position(p) < end.get(p)) {
                    // A partial timeline could hide a conflicting version: never return one.
                    throw new org.apache.kafka.common.errors.TimeoutException(
                            "read " + p + " only up to offset " + consumer.position(p) + " of " + end.get(p)
                                    + " within 30 s; the timeline would be incomplete");
                }
            }
        }
        return out;
    }

    /** The timeline of everything published so far. */
    public ReleaseTimeline timeline() {
        return ReleaseTimeline.of(readAll());
    }

    /** The client properties first, then {@code overrides}. */
    private Map<String, String> with(Map<String, String> overrides) {
        java.util.HashMap<String, String> merged = new java.util.HashMap<>(clientProperties);
        merged.putAll(overrides);
        return merged;
    }
}

package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Warms the demo's embedded broker the way a site's Kafka is warm: a site's broker has been
 * serving producers and consumers for months when a job starts, the demo's has just started.
 * Small records go through a scratch topic ({@value #TOPIC}, never read by any job) from a
 * producer to a {@code read_committed} consumer, with the settings the demo's own clients use,
 * until {@link #RECORDS} made the round trip or the time is up.
 *
 * <p>Why: measured on the demo, the broker's produce and fetch paths (and the Kafka client code
 * every client in this one JVM shares) were still being compiled during the first half second of
 * production, and the first results waited 40-90 ms between the sink's send and the reader.
 * In the one-JVM demo this also warms the Kafka client code of the job's source and sinks; a
 * TaskManager in its own JVM does not get that part (README, Performance, says so).
 */
final class BrokerWarmup {

    /** The scratch topic. */
    static final String TOPIC = "edgeinfer.demo.broker-warmup";
    /** Round trips: enough for the broker's and clients' per-request code to be compiled. */
    static final int RECORDS = 20_000;

    private BrokerWarmup() {}

    /** Sends {@link #RECORDS} records through {@link #TOPIC} and reads them back, for at most {@code maxTime}. */
    static Result run(EmbeddedKafkaBroker kafka, Duration maxTime) throws Exception {
        long started = System.nanoTime();
        long deadline = started + maxTime.toNanos();
        kafka.createTopics(4, TOPIC);
        AtomicReference<Exception> failed = new AtomicReference<>();
        long read = 0;
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka.bootstrapServers(), "edgeinfer-broker-warmup", Map.of());
                KafkaConsumer<byte[], byte[]> consumer =
                        KafkaClients.reader(kafka.bootstrapServers(), "edgeinfer-broker-warmup", true, Map.of())) {
            List<TopicPartition> partitions = KafkaClients.assignAll(consumer, List.of(TOPIC), maxTime);
            consumer.seekToBeginning(partitions);
            while (read < RECORDS && System.nanoTime() - deadline < 0) {
                // A few records per round, each its own request (linger 0), as readings arrive.
                for (int i = 0; i < 50 && sent < RECORDS; i++, sent++) {
                    producer.send(new ProducerRecord<>(TOPIC, ("dev-" + (sent % 16)).getBytes(StandardCharsets.UTF_8),
                            ("{\"warmup\":" + sent + "}").getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                                if (error != null) {
                                    failed.compareAndSet(null, error);
                                }
                            });
                }
                read += consumer.poll(Duration.ofMillis(5)).count();
                if (failed.get() != null) {
                    throw new IllegalStateException("the embedded broker refused a warm-up record", failed.get());
                }
            }
        }
        return new Result(read, (System.nanoTime() - started) / 1_000_000, read < RECORDS);
    }

    /**
     * @param records records that made the round trip
     * @param millis time spent, topic creation included
     * @param timedOut whether the time limit ended it
     */
    record Result(long records, long millis, boolean timedOut) {}
}

package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Feeds a {@link FleetCensus} from the status and control topics, read from the beginning by a
 * consumer without a group (nothing is committed, nothing is created).
 *
 * <pre>{@code
 * try (CensusReader reader = new CensusReader(bootstrap, statusTopic, controlTopic, census)) {
 *     reader.catchUp(Duration.ofSeconds(60));   // everything on the topics now
 *     reader.poll(Duration.ofSeconds(2));        // and what arrives next (--watch)
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Every record reaches the census: status values (a bad one is
 * counted there by reason), valid releases and advisories; a control record that is neither is
 * counted as skipped with its rejection reason, and a control tombstone (compaction deleting a
 * key) is passed over as the topic intends. Not thread-safe.
 */
public final class CensusReader implements AutoCloseable {

    private final String statusTopic;
    private final FleetCensus census;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;

    /** Assigns every partition of both topics (they must exist) and seeks to their beginning. */
    public CensusReader(String bootstrap, String statusTopic, String controlTopic, FleetCensus census) {
        this.statusTopic = statusTopic;
        this.census = census;
        this.consumer = KafkaClients.reader(bootstrap, "edgeinfer-fleet", false,
                Map.of(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"));
        try {
            partitions = KafkaClients.assignAll(consumer, List.of(statusTopic, controlTopic), Duration.ofSeconds(30));
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Reads until every partition reaches the end offset it had when this call started, or
     * {@code timeout} passes; whether it got there.
     */
    public boolean catchUp(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            poll(Duration.ofMillis(200));
        }
        return true;
    }

    /** One poll: feeds whatever arrived within {@code timeout}. */
    public void poll(Duration timeout) {
        consumer.poll(timeout).forEach(this::feed);
    }

    private void feed(ConsumerRecord<byte[], byte[]> record) {
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        if (record.topic().equals(statusTopic)) {
            if (RolloutDecisionJson.isDecision(record.value())) {
                return; // the rollout controller's decisions share the topic; they are not status reports
            }
            census.status(record.value(), where);
            return;
        }
        if (record.value() == null) {
            return; // a control-topic tombstone: compaction's delete marker, not a record to judge
        }
        ControlMessage message = ControlMessage.decode(record.key(), record.value(), record.topic(),
                record.partition(), record.offset(), true);
        if (message instanceof ControlMessage.Release r) {
            census.release(r.release());
        } else if (message instanceof ControlMessage.Advisory a) {
            census.advisory(a.advisory());
        } else if (message instanceof ControlMessage.Rejected rejected) {
            census.skip(where, rejected.reason().name(), rejected.detail());
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}

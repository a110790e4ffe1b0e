package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.cli.ConsumerPoller;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads what a chaos run must see answered, as an operator watching a site would: the status topic
 * (each release's {@code REJECTED} verdicts, and every subtask's {@code HEARTBEAT}s with the
 * longest silence between two of them) and the dead-letter topic (which bad readings came back,
 * and why). Arrival times are wall-clock milliseconds of the poll that returned a record.
 */
final class ChaosObserver implements AutoCloseable {

    private final String statusTopic;
    private final ConsumerPoller poller;

    private final Map<String, Set<String>> rejections = new HashMap<>();
    private final Map<String, Long> rejectionReasons = new TreeMap<>();
    private final Map<Integer, Long> lastHeartbeat = new HashMap<>();
    private final List<Long> heartbeatsAfter = new java.util.ArrayList<>();
    private long longestHeartbeatGapMs;
    private final Set<String> deadLetteredKeys = new HashSet<>();
    private final Map<String, Long> deadLetterReasons = new TreeMap<>();
    private long deadLetters;
    private long unreadable;

    ChaosObserver(String bootstrapServers, String statusTopic, String deadLetterTopic) {
        this.statusTopic = statusTopic;
        KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.reader(bootstrapServers, "edgeinfer-chaos-observer", true, Map.of());
        List<TopicPartition> partitions =
                KafkaClients.assignAll(consumer, List.of(statusTopic, deadLetterTopic), Duration.ofSeconds(30));
        consumer.seekToBeginning(partitions);
        this.poller = new ConsumerPoller(consumer, Duration.ofMillis(50), System::currentTimeMillis, this, this::onRecord);
    }

    void start() {
        poller.start("edgeinfer-chaos-observer");
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record, long arrivalMs) {
        if (record.topic().equals(statusTopic)) {
            ModelStatus status;
            try {
                status = ModelStatusJson.fromJson(record.value());
            } catch (Exception e) {
                unreadable++;
                return;
            }
            if (status.state() == ModelStatus.State.HEARTBEAT) {
                Long previous = lastHeartbeat.put(status.subtask(), arrivalMs);
                if (previous != null) {
                    longestHeartbeatGapMs = Math.max(longestHeartbeatGapMs, arrivalMs - previous);
                }
                heartbeatsAfter.add(arrivalMs);
            } else if (status.state() == ModelStatus.State.REJECTED && status.releaseId() != null) {
                if (rejections.computeIfAbsent(status.releaseId(), id -> new HashSet<>()).add(status.reason())) {
                    rejectionReasons.merge(status.reason(), 1L, Long::sum);
                }
            }
            return;
        }
        deadLetters++;
        deadLetteredKeys.add(record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8));
        Header reason = record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER);
        deadLetterReasons.merge(reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8), 1L, Long::sum);
    }

    /** The reasons the release (or control record) {@code id} was rejected with, on any subtask; empty if none. */
    synchronized Set<String> rejectionsOf(String id) {
        return Set.copyOf(rejections.getOrDefault(id, Set.of()));
    }

    /** Distinct (release, reason) verdicts by reason. */
    synchronized Map<String, Long> rejectionReasons() {
        return new TreeMap<>(rejectionReasons);
    }

    /** Whether a record with this key reached the dead-letter topic. */
    synchronized boolean deadLettered(String key) {
        return deadLetteredKeys.contains(key);
    }

    synchronized Map<String, Long> deadLetterReasons() {
        return new TreeMap<>(deadLetterReasons);
    }

    synchronized long deadLetters() {
        return deadLetters;
    }

    /** The longest time between two consecutive heartbeats of one subtask, ms. */
    synchronized long longestHeartbeatGapMs() {
        return longestHeartbeatGapMs;
    }

    /** When the first heartbeat after {@code wallMs} arrived (wall-clock ms), or -1 if none has yet. */
    synchronized long firstHeartbeatAfter(long wallMs) {
        return heartbeatsAfter.stream().filter(t -> t > wallMs).findFirst().orElse(-1L);
    }

    synchronized long unreadable() {
        return unreadable;
    }

    @Override
    public void close() throws InterruptedException {
        poller.close();
    }
}

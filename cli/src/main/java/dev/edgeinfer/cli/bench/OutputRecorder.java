package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.cli.ConsumerPoller;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a job's output topic as a downstream consumer would ({@code read_committed}, from the
 * beginning) on a background thread and matches every output to the input that completed it:
 * outputs of backlog keys ({@code backlogPrefix}) are counted with the times the job's sink sent
 * them (their Kafka CreateTime: the drain rate); outputs of open-loop keys ({@code loadPrefix})
 * become {@link LatencySample}s, latency = when the poll returned it minus the input's intended
 * send time.
 */
final class OutputRecorder implements AutoCloseable {

    /** Decodes one output record. */
    @FunctionalInterface
    interface Decoder {
        BenchScenario.Output decode(ConsumerRecord<byte[], byte[]> record) throws Exception;
    }

    private final ConsumerPoller poller;
    private final Decoder decoder;
    private final String backlogPrefix;
    private final String loadPrefix;
    private volatile LoadSchedule schedule;

    private final List<Long> backlogSentNanos = new ArrayList<>();
    private final List<LatencySample> samples = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, Long> perVersion = new TreeMap<>();
    private final Histogram interval = BenchMath.histogram();
    private long duplicates;
    private long unmatched;
    private final List<String> unreadable = new ArrayList<>();

    OutputRecorder(String bootstrapServers, String topic, Decoder decoder, String backlogPrefix, String loadPrefix) {
        this.decoder = decoder;
        this.backlogPrefix = backlogPrefix;
        this.loadPrefix = loadPrefix;
        KafkaConsumer<byte[], byte[]> consumer = KafkaClients.reader(bootstrapServers, "edgeinfer-bench-reader", true,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"));
        List<TopicPartition> partitions = KafkaClients.assignAll(consumer, List.of(topic), Duration.ofSeconds(30));
        consumer.seekToBeginning(partitions);
        // Arrival times in nanoTime: LoadSchedule converts them to epoch micros for the latency.
        this.poller = new ConsumerPoller(consumer, Duration.ofMillis(20), System::nanoTime, this, this::onRecord);
    }

    /** The open-loop schedule; outputs of load keys are matched against it from now on. */
    void schedule(LoadSchedule schedule) {
        this.schedule = schedule;
    }

    void start() {
        poller.start("edgeinfer-bench-reader");
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record, long arrivalNanos) {
        BenchScenario.Output out;
        try {
            out = decoder.decode(record);
        } catch (Exception e) {
            if (unreadable.size() < 10) {
                unreadable.add(e + ": " + new String(record.value() == null ? new byte[0] : record.value(),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            return;
        }
        if (out == null) {
            return;
        }
        if (out.version() != null) {
            perVersion.merge(out.version(), 1L, Long::sum);
        }
        if (out.deviceId().startsWith(backlogPrefix)) {
            // The sink's send time, not the poll's: a fast drain reaches the reader in a few polls
            // 20 ms apart, which said nothing about the rate (a 10,000-reading backlog read 0/s).
            long sentMillis = record.timestamp() >= 0 ? record.timestamp() : System.currentTimeMillis();
            backlogSentNanos.add(sentMillis * 1_000_000L);
            return;
        }
        LoadSchedule s = schedule;
        if (s == null || !out.deviceId().startsWith(loadPrefix)) {
            unmatched++;
            return;
        }
        int device;
        try {
            device = Integer.parseInt(out.deviceId().substring(loadPrefix.length()));
        } catch (NumberFormatException e) {
            unmatched++;
            return;
        }
        long seq = out.seq() >= 0 ? out.seq() : s.seqOf(device, out.eventTimeMs());
        if (seq < 0 || device >= s.devices()) {
            unmatched++;
            return;
        }
        if (!seen.add(device + "#" + seq)) {
            duplicates++;
            return;
        }
        long intended = s.intendedEpochMicros(device, seq);
        long latency = s.epochMicrosAt(arrivalNanos) - intended;
        samples.add(new LatencySample(intended - s.startEpochMicros(), latency, out.eventTimeMs(), out.version(), out.deviceId()));
        BenchMath.record(interval, latency);
    }

    synchronized long backlogOutputs() {
        return backlogSentNanos.size();
    }

    /** When the job's sink sent each backlog output, epoch ns at ms resolution (only differences count). */
    synchronized long[] backlogSentNanos() {
        return backlogSentNanos.stream().mapToLong(Long::longValue).toArray();
    }

    synchronized long loadOutputs() {
        return samples.size();
    }

    synchronized List<LatencySample> samples() {
        return List.copyOf(samples);
    }

    synchronized Map<String, Long> perVersion() {
        return new TreeMap<>(perVersion);
    }

    synchronized long duplicates() {
        return duplicates;
    }

    synchronized long unmatched() {
        return unmatched;
    }

    synchronized List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** Latency percentiles since the previous call (live progress). */
    synchronized BenchMath.Stats takeInterval() {
        BenchMath.Stats stats = BenchMath.stats(interval);
        interval.reset();
        return stats;
    }

    @Override
    public void close() throws InterruptedException {
        poller.close();
    }
}

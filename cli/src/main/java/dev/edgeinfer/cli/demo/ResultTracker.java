package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.sensor.DeadLetterSerializer;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads everything the pipeline writes (results, dead letters, model status) as a downstream consumer
 * would, with {@code read_committed}, and keeps the books: distinct and duplicate results,
 * results per model version, detection quality against the simulator's ground truth, and
 * end-to-end latency (reading produced → its result readable here) in an HdrHistogram.
 *
 * <p>One background thread ({@link #start()}) polls; the synchronized accessors give snapshots.
 */
public final class ResultTracker implements AutoCloseable {

    /** Ground truth lookup: is window {@code index} of {@code deviceId} anomalous? */
    @FunctionalInterface
    public interface Truth {
        boolean windowIsAnomalous(String deviceId, long index);
    }

    /** One distinct result, kept for analyses after the run (rollover boundaries, misrouting). */
    public record Sample(String deviceId, long window, long windowEnd, String version, long latencyMicros) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final String statusTopic;
    private final Truth truth;
    private final List<Sample> samples = new ArrayList<>();
    private final List<ModelStatus> statuses = new ArrayList<>();

    private final Set<String> seen = new HashSet<>();
    private final Map<String, Long> perVersion = new TreeMap<>();
    private final Map<String, long[]> confusionPerVersion = new TreeMap<>();
    private final Map<String, Long> deadLetterReasons = new TreeMap<>();
    private final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final Histogram intervalLatency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final List<String> unreadable = new ArrayList<>();
    private long results;
    private long duplicates;
    private long deadLettered;
    private long truePositives;
    private long falsePositives;
    private long falseNegatives;
    private long trueNegatives;
    private volatile boolean stopped;
    private Thread thread;

    public ResultTracker(
            String bootstrapServers, String resultsTopic, String deadLetterTopic, String statusTopic, Truth truth) {
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.statusTopic = statusTopic;
        this.truth = truth;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "edgeinfer-demo-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(resultsTopic, deadLetterTopic, statusTopic)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Starts polling on a background thread until {@link #close()}. */
    public void start() {
        thread = new Thread(this::run, "edgeinfer-result-tracker");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            poll();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void poll() {
        while (!stopped) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
            long now = System.currentTimeMillis();
            synchronized (this) {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (record.topic().equals(resultsTopic)) {
                        onResult(record, now);
                    } else if (record.topic().equals(deadLetterTopic)) {
                        onDeadLetter(record);
                    } else if (record.topic().equals(statusTopic)) {
                        onStatus(record);
                    }
                }
            }
        }
    }

    private void onResult(ConsumerRecord<byte[], byte[]> record, long now) {
        SensorResult result;
        try {
            result = SensorResultJson.fromJson(record.value());
        } catch (IOException | RuntimeException e) {
            unreadable.add(new String(record.value(), StandardCharsets.UTF_8));
            return;
        }
        results++;
        if (!seen.add(result.deviceId() + "#" + result.window())) {
            duplicates++;
            return;
        }
        long micros = Math.max(0, (now - result.sourceTimestamp()) * 1000);
        latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
        intervalLatency.recordValue(Math.min(micros, intervalLatency.getHighestTrackableValue()));
        String version = result.model().version();
        perVersion.merge(version, 1L, Long::sum);
        samples.add(new Sample(result.deviceId(), result.window(), result.windowEnd(), version, micros));
        boolean actual = truth.windowIsAnomalous(result.deviceId(), result.window());
        long[] confusion = confusionPerVersion.computeIfAbsent(version, v -> new long[4]);
        if (result.anomaly() && actual) {
            truePositives++;
            confusion[0]++;
        } else if (result.anomaly()) {
            falsePositives++;
            confusion[1]++;
        } else if (actual) {
            falseNegatives++;
            confusion[2]++;
        } else {
            trueNegatives++;
            confusion[3]++;
        }
    }

    private void onStatus(ConsumerRecord<byte[], byte[]> record) {
        try {
            statuses.add(ModelStatusJson.fromJson(record.value()));
        } catch (RuntimeException e) {
            unreadable.add("status: " + new String(record.value(), StandardCharsets.UTF_8));
        }
    }

    /** Distinct results in arrival order. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Status reports read so far, in arrival order. */
    public synchronized List<ModelStatus> statuses() {
        return List.copyOf(statuses);
    }

    private void onDeadLetter(ConsumerRecord<byte[], byte[]> record) {
        deadLettered++;
        Header reason = record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER);
        String name = reason == null ? "(no reason header)" : new String(reason.value(), StandardCharsets.UTF_8);
        deadLetterReasons.merge(name, 1L, Long::sum);
    }

    /** Distinct windows scored so far. */
    public synchronized long distinctResults() {
        return seen.size();
    }

    public synchronized long results() {
        return results;
    }

    public synchronized long duplicates() {
        return duplicates;
    }

    public synchronized long deadLettered() {
        return deadLettered;
    }

    public synchronized Map<String, Long> deadLetterReasons() {
        return new TreeMap<>(deadLetterReasons);
    }

    public synchronized Map<String, Long> perVersion() {
        return new TreeMap<>(perVersion);
    }

    /** Results whose JSON could not be read (should stay empty). */
    public synchronized List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** Overall detection quality over distinct results. */
    public synchronized Quality quality() {
        return Quality.of(truePositives, falsePositives, falseNegatives, trueNegatives);
    }

    /** Detection quality per model version. */
    public synchronized Map<String, Quality> qualityPerVersion() {
        Map<String, Quality> out = new TreeMap<>();
        confusionPerVersion.forEach((v, c) -> out.put(v, Quality.of(c[0], c[1], c[2], c[3])));
        return out;
    }

    /** A copy of the end-to-end latency histogram (microseconds) since the start. */
    public synchronized Histogram latency() {
        return latency.copy();
    }

    /** Latency since the previous call (for live progress), then resets the interval. */
    public synchronized Histogram takeIntervalLatency() {
        Histogram copy = intervalLatency.copy();
        intervalLatency.reset();
        return copy;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } else {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Precision and recall with the counts behind them. */
    public record Quality(long truePositives, long falsePositives, long falseNegatives, long trueNegatives) {
        static Quality of(long tp, long fp, long fn, long tn) {
            return new Quality(tp, fp, fn, tn);
        }

        /** TP / (TP + FP); 1.0 when nothing was flagged. */
        public double precision() {
            long flagged = truePositives + falsePositives;
            return flagged == 0 ? 1.0 : (double) truePositives / flagged;
        }

        /** TP / (TP + FN); 1.0 when nothing was anomalous. */
        public double recall() {
            long actual = truePositives + falseNegatives;
            return actual == 0 ? 1.0 : (double) truePositives / actual;
        }
    }
}

package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.frames.FrameResult;
import dev.edgeinfer.jobs.frames.FrameResultJson;
import dev.edgeinfer.jobs.sensor.DeadLetterSerializer;
import dev.edgeinfer.simulation.frames.FrameFleetSimulator;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

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
 * Reads what the frame job writes (results, dead letters, status) as a downstream consumer would
 * ({@code read_committed}) and keeps the books: distinct and duplicate results, accuracy against
 * the simulator's labels (overall and per version), end-to-end latency (frame produced → result
 * readable here), dead letters by reason. One background thread polls; accessors give snapshots.
 */
public final class FrameResultTracker implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final FrameFleetSimulator truth;
    private final Set<String> seen = new HashSet<>();
    private final List<ResultTracker.Sample> samples = new ArrayList<>();
    private final List<ModelStatus> statuses = new ArrayList<>();
    private final Map<String, long[]> perVersion = new TreeMap<>(); // {results, correct}
    private final Map<String, Long> deadLetterReasons = new TreeMap<>();
    private final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final List<String> unreadable = new ArrayList<>();
    private long results;
    private long duplicates;
    private long deadLettered;
    private long unknownFrames;
    private volatile boolean stopped;
    private Thread thread;

    public FrameResultTracker(String bootstrapServers, String resultsTopic, String deadLetterTopic, String statusTopic,
            FrameFleetSimulator truth) {
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.truth = truth;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "edgeinfer-frame-demo-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(resultsTopic, deadLetterTopic, statusTopic)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    public void start() {
        thread = new Thread(() -> {
            try {
                while (!stopped) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    long now = System.currentTimeMillis();
                    synchronized (this) {
                        records.forEach(r -> onRecord(r, now));
                    }
                }
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }, "edgeinfer-frame-tracker");
        thread.setDaemon(true);
        thread.start();
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record, long now) {
        try {
            if (record.topic().equals(resultsTopic)) {
                onResult(FrameResultJson.fromJson(record.value()), now);
            } else if (record.topic().equals(deadLetterTopic)) {
                deadLettered++;
                Header reason = record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER);
                deadLetterReasons.merge(reason == null ? "(no reason header)"
                        : new String(reason.value(), StandardCharsets.UTF_8), 1L, Long::sum);
            } else {
                statuses.add(ModelStatusJson.fromJson(record.value()));
            }
        } catch (java.io.IOException | RuntimeException e) {
            unreadable.add(record.topic() + ": " + new String(record.value(), StandardCharsets.UTF_8));
        }
    }

    private void onResult(FrameResult r, long now) {
        results++;
        if (!seen.add(FrameFleetSimulator.frameId(r.cameraId(), r.frameTs()))) {
            duplicates++;
            return;
        }
        long micros = Math.min(Math.max(0, (now - r.sourceTimestamp()) * 1000), latency.getHighestTrackableValue());
        latency.recordValue(micros);
        String version = r.model().version();
        samples.add(new ResultTracker.Sample(r.cameraId(), 0, r.frameTs(), version, micros));
        String label = truth.label(r.cameraId(), r.frameTs());
        if (label == null) {
            unknownFrames++;
        }
        long[] counts = perVersion.computeIfAbsent(version, v -> new long[2]);
        counts[0]++;
        counts[1] += r.label().equals(label) ? 1 : 0;
    }

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

    /** Results for frames the simulator never sent as good frames (must stay 0). */
    public synchronized long unknownFrames() {
        return unknownFrames;
    }

    public synchronized Map<String, Long> deadLetterReasons() {
        return new TreeMap<>(deadLetterReasons);
    }

    /** Distinct results per version: {results, top-1 correct}. */
    public synchronized Map<String, long[]> perVersion() {
        Map<String, long[]> out = new TreeMap<>();
        perVersion.forEach((v, c) -> out.put(v, c.clone()));
        return out;
    }

    public synchronized List<ResultTracker.Sample> samples() {
        return List.copyOf(samples);
    }

    public synchronized List<ModelStatus> statuses() {
        return List.copyOf(statuses);
    }

    public synchronized List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    public synchronized Histogram latency() {
        return latency.copy();
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
}

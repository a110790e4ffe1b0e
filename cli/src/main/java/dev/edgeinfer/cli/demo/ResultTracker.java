package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.cli.ConsumerPoller;
import dev.edgeinfer.jobs.JobResult;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.operators.Warmup;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Reads everything a job writes (results, dead letters, model status) as a downstream consumer
 * would, with {@code read_committed}, and keeps the books both demos share: distinct and
 * duplicate results, results per model version, dead letters by reason, status reports and
 * end-to-end latency (input produced → its result readable here) in HdrHistograms. Each job's
 * tracker reads its own result JSON and judges results against its simulator's ground truth.
 *
 * <p>One background thread ({@link #start()}) polls; the synchronized accessors give snapshots.
 *
 * @param <R> the job's result type
 */
public abstract class ResultTracker<R extends JobResult> implements AutoCloseable {

    /** Reads one result record's value. */
    @FunctionalInterface
    protected interface ResultParser<R> {
        R parse(byte[] json) throws IOException;
    }

    /** One distinct result, kept for analyses after the run (rollover boundaries, misrouting). */
    public record Sample(String key, long window, long eventTime, String version, long latencyMicros) {}

    private final ConsumerPoller poller;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final String statusTopic;
    private final String threadName;
    private final ResultParser<R> parser;
    private final Function<R, String> inputKey;
    private final List<Sample> samples = new ArrayList<>();
    private final List<ModelStatus> statuses = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, Long> perVersion = new TreeMap<>();
    private final Map<String, Long> perVersionSha256 = new TreeMap<>();
    private final Map<String, Long> deadLetterReasons = new TreeMap<>();
    private final Histogram intervalLatency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final List<String> unreadable = new ArrayList<>();
    private final LatencyByProductionTime latencyByProduction = new LatencyByProductionTime();
    private long results;
    private long duplicates;
    private long deadLettered;

    /**
     * Assigns every partition of the three topics, from the beginning.
     *
     * @param clientId the reader's Kafka client id (also its thread's name)
     * @param readerOverrides consumer settings over {@link KafkaClients#reader}'s defaults
     * @param parser reads one result record's value (the job's result JSON)
     * @param inputKey what identifies the input a result belongs to: a second result with the same key is a duplicate
     */
    protected ResultTracker(String bootstrapServers, String clientId, Map<String, ?> readerOverrides, ResultParser<R> parser,
            Function<R, String> inputKey, String resultsTopic, String deadLetterTopic, String statusTopic) {
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.statusTopic = statusTopic;
        this.threadName = clientId;
        KafkaConsumer<byte[], byte[]> consumer = KafkaClients.reader(bootstrapServers, clientId, true, readerOverrides);
        List<TopicPartition> partitions =
                KafkaClients.assignAll(consumer, List.of(resultsTopic, deadLetterTopic, statusTopic), Duration.ofSeconds(30));
        consumer.seekToBeginning(partitions);
        this.poller = new ConsumerPoller(consumer, Duration.ofMillis(50), System::currentTimeMillis, this, this::onRecord);
        this.parser = parser;
        this.inputKey = inputKey;
    }

    /**
     * Books a distinct result against the ground truth (called with this tracker's lock held)
     * and returns the sample kept for it.
     */
    protected abstract Sample onDistinctResult(R result, String version, long latencyMicros);

    /**
     * Starts polling on a background thread until {@link #close()}, after warming this reader's
     * result parser on {@link #warmupSample()}: the first parse of a cold JSON reader takes
     * ~100 ms, and the records that arrive meanwhile would be stamped late, charging the
     * measuring instrument's own start to the pipeline's first results.
     */
    public void start() throws Exception {
        byte[] sample = warmupSample();
        // A dry run of the whole booking path, then the books are cleared: the first result's
        // booking took 13-22 ms cold (lambda and string-concatenation bootstraps, histograms,
        // ground truth), and every result that arrived meanwhile waited for the next poll.
        Warmup.run(threadName + " result parser and books", Duration.ofSeconds(2), Warmup.CHEAP_ITERATIONS,
                i -> {
                    onResult(parser.parse(sample), System.currentTimeMillis());
                    seen.clear(); // every round books a distinct result
                });
        clearBooks();
        poller.start(threadName);
    }

    /** A synthetic result in the job's JSON, for the reader's warm-up (booked, then cleared). */
    protected abstract byte[] warmupSample();

    /** Forgets everything {@link #onDistinctResult} booked (after the warm-up's dry run). */
    protected abstract void clearOwnBooks();

    private void clearBooks() {
        samples.clear();
        seen.clear();
        perVersion.clear();
        perVersionSha256.clear();
        intervalLatency.reset();
        latencyByProduction.clear();
        results = 0;
        duplicates = 0;
        clearOwnBooks();
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record, long now) {
        try {
            if (record.topic().equals(resultsTopic)) {
                onResult(parser.parse(record.value()), now);
            } else if (record.topic().equals(deadLetterTopic)) {
                onDeadLetter(record);
            } else if (record.topic().equals(statusTopic)
                    && !dev.edgeinfer.broadcast.status.RolloutDecisionJson.isDecision(record.value())) {
                statuses.add(ModelStatusJson.fromJson(record.value()));
            }
        } catch (IOException | RuntimeException e) {
            unreadable.add(record.topic() + ": " + new String(record.value(), StandardCharsets.UTF_8));
        }
    }

    private void onResult(R result, long now) {
        results++;
        if (!seen.add(inputKey.apply(result))) {
            duplicates++;
            return;
        }
        long micros = Math.max(0, (now - result.sourceTimestamp()) * 1000);
        intervalLatency.recordValue(Math.min(micros, intervalLatency.getHighestTrackableValue()));
        latencyByProduction.record(result.sourceTimestamp(), micros);
        String version = result.model().version();
        perVersion.merge(version, 1L, Long::sum);
        perVersionSha256.merge(version + "@" + result.model().sha256(), 1L, Long::sum);
        samples.add(onDistinctResult(result, version, micros));
    }

    private void onDeadLetter(ConsumerRecord<byte[], byte[]> record) {
        deadLettered++;
        Header reason = record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER);
        String name = reason == null ? "(no reason header)" : new String(reason.value(), StandardCharsets.UTF_8);
        deadLetterReasons.merge(name, 1L, Long::sum);
    }

    /** Distinct results in arrival order. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Status reports read so far, in arrival order. */
    public synchronized List<ModelStatus> statuses() {
        return List.copyOf(statuses);
    }

    /** Distinct inputs scored so far. */
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

    /** Distinct results per {@code version@sha256} they name (a variant's sha256 for a multi-variant release). */
    public synchronized Map<String, Long> perVersionSha256() {
        return new TreeMap<>(perVersionSha256);
    }

    /** Distinct results per model version. */
    public synchronized Map<String, Long> perVersion() {
        return new TreeMap<>(perVersion);
    }

    /** Records that could not be read (should stay empty). */
    public synchronized List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** End-to-end latency (microseconds) of every distinct result so far: the whole run, start included. */
    public synchronized Histogram latency() {
        return latencyByProduction.producedIn(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * End-to-end latency of the distinct results whose input was produced in {@code [fromWallMs,
     * toWallMs)}: the first seconds of a run (cold JIT, first metadata fetches, first model calls)
     * and the steady state after them, reported side by side with the whole run.
     */
    public synchronized Histogram latencyOfInputsProduced(long fromWallMs, long toWallMs) {
        return latencyByProduction.producedIn(fromWallMs, toWallMs);
    }

    /** Latency since the previous call (for live progress), then resets the interval. */
    public synchronized Histogram takeIntervalLatency() {
        Histogram copy = intervalLatency.copy();
        intervalLatency.reset();
        return copy;
    }

    @Override
    public void close() throws InterruptedException {
        poller.close();
    }
}

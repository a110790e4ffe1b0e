package dev.edgeinfer.jobs.frames;

import static dev.edgeinfer.testutils.TestingFrames.CAMERAS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.FrameJobHarness;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingFrames;
import dev.edgeinfer.testutils.TestingSlowFileModelFetcher;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * With {@code batch.max-delay} 0, batches fill from what is already queued at the inference
 * task's input ({@code batch.fill-from-queue}), and only then. Real parts: a KRaft broker, a
 * MiniCluster, the frame job and its CNN in ONNX Runtime. The backlog is made without betting on
 * timing: the model's fetch is held, so the first frame waits for its version while the frames
 * behind it queue up (Flink's own {@code inputQueueLength} says when), then the fetch is let go.
 */
class QueuedInputBatchingITCase {

    private static final int ROWS = 12;

    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 1)
            .flinkConfiguration(METRICS.addToConfiguration(new Configuration())).build();

    @TempDir Path models;
    @TempDir Path cacheOn;
    @TempDir Path cacheOff;

    private TestingSlowFileModelFetcher fetcher;

    @AfterEach
    void releaseTheHeldFetch() {
        if (fetcher != null) {
            fetcher.dispose();
        }
    }

    @Test
    void aBacklogQueuedAtTheInputFillsBatchesWithoutADelayAndEveryFrameIsScoredOnce() throws Exception {
        long largest = runWithABacklog(true, cacheOn);

        assertThat(largest).as("largest micro-batch with batch.fill-from-queue").isGreaterThan(1);
    }

    @Test
    void withoutFillingFromTheQueueEveryFrameIsScoredAlone() throws Exception {
        long largest = runWithABacklog(false, cacheOff);

        assertThat(largest).as("largest micro-batch without batch.fill-from-queue").isEqualTo(1);
    }

    /** Runs the frame job over a backlog held up behind its first frame; returns the largest batch scored. */
    private long runWithABacklog(boolean fillFromQueue, Path modelCache) throws Exception {
        BuiltFrameModel v1 = FrameModelFactory.build(FrameModelFactory.Spec.v1(), models);
        FrameJobHarness harness = new FrameJobHarness(CLUSTER, models, 1);
        harness.conf.set(KafkaJobOptions.PARALLELISM, 1);
        harness.conf.set(KafkaJobOptions.BATCH_MAX_DELAY, Duration.ZERO);
        harness.conf.set(KafkaJobOptions.BATCH_FILL_FROM_QUEUE, fillFromQueue);
        harness.conf.set(KafkaJobOptions.WARMUP_MAX_TIME, Duration.ZERO);
        // A cache of its own: a shared one would already hold v1 and never ask the held fetcher.
        harness.conf.set(KafkaJobOptions.MODEL_CACHE_DIR, modelCache.toString());
        FrameJobConfig config = harness.config();

        ModelRelease r1 = ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "it", 1L, v1.releaseMetadata());
        new ControlTopic(CLUSTER.bootstrapServers(), harness.control).publish(r1);
        TestingFrames frames = new TestingFrames(harness.frames, 5);
        for (int i = 0; i < ROWS; i++) {
            frames.addRow(i);
        }
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), frames.records);

        fetcher = new TestingSlowFileModelFetcher(r1.sha256(), Duration.ZERO);
        TestingSlowFileModelFetcher.Probe probe = fetcher.probe();
        probe.hold();
        JobClient job = CLUSTER.startJob("queued-input-batching-it-" + fillFromQueue,
                env -> FrameClassificationJob.build(env, config, fetcher));

        // The first frame waits for v1; the frames behind it queue at the inference task's input.
        assertThat(KafkaTestUtils.eventually(() -> inputQueueLength(job) >= 2, Duration.ofSeconds(90)))
                .as("buffers queued at the inference task's input: %d", inputQueueLength(job))
                .isTrue();
        probe.release();

        int expected = CAMERAS * ROWS;
        List<ConsumerRecord<byte[], byte[]>> results = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.results, true, r -> r.size() >= expected, Duration.ofSeconds(90), Duration.ofSeconds(1));
        Set<String> scored = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : results) {
            FrameResult r = FrameResultJson.fromJson(record.value());
            assertThat(scored.add(TestingFrames.id(r.cameraId(), r.frameTs()))).as("duplicate %s", r).isTrue();
            assertThat(frames.truth).containsKey(TestingFrames.id(r.cameraId(), r.frameTs()));
            assertThat(r.model()).isEqualTo(r1.modelId());
        }
        assertThat(scored).hasSize(expected);

        List<Metric> batchSizes = List.copyOf(METRICS.findMetrics(job.getJobID(), "\\.batchSize$").values());
        assertThat(batchSizes).as("batchSize histograms").isNotEmpty();
        long largest = batchSizes.stream().mapToLong(m -> ((Histogram) m).getStatistics().getMax()).max().orElse(0);
        assertThat(largest).as("no batch beyond batch.max-size").isLessThanOrEqualTo(config.batchMaxSize());
        return largest;
    }

    /** Buffers queued at the inference task's input now, as Flink's {@code inputQueueLength} gauge reads them. */
    private static long inputQueueLength(JobClient job) {
        long queued = 0;
        for (Metric gauge : METRICS.findMetrics(job.getJobID(), "inputQueueLength$").values()) {
            if (((Gauge<?>) gauge).getValue() instanceof Number n) {
                queued += n.longValue();
            }
        }
        return queued;
    }
}

package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;
import dev.edgeinfer.testutils.TestingSlowFileModelFetcher;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A new version whose load is slow: records with event time {@code >= T} wait for it
 * (backpressure) while it stages, and none of them is scored by the old version; records before
 * {@code T} keep being scored by the old one meanwhile.
 *
 * <p>The slowness is injected by {@link TestingSlowFileModelFetcher} (v2's fetch takes 4 s and
 * is then held until the test has seen the pipeline stall), so the test observes the job while
 * the load is pending without betting on timing.
 */
class SlowModelLoadITCase {

    private static final Duration DELAY = Duration.ofSeconds(4);

    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2)
            .flinkConfiguration(METRICS.addToConfiguration(new Configuration())).build();

    private JobClient job;
    private TestingSlowFileModelFetcher fetcher;

    @TempDir Path modelCache;

    @AfterEach
    void releaseTheHeldFetch() throws Exception {
        if (fetcher != null) {
            fetcher.dispose();
        }
    }

    @Test
    void recordsAtOrAfterTheActivationWaitForASlowLoadAndAreNeverScoredByTheOldVersion() throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        SensorJobHarness harness = SensorJobHarness.releasesOnly(CLUSTER, v1, 2);
        // A model cache of its own: one shared with earlier runs would already hold v2 and never
        // ask the slow fetcher for it.
        harness.conf.set(KafkaJobOptions.MODEL_CACHE_DIR, modelCache.toAbsolutePath().toString());
        SensorJobConfig config = harness.config();
        int size = config.windowSize();
        int slide = config.windowSlide();
        TestingSensorData data = new TestingSensorData(6, 80, config.channels(), 23L);
        long expectedWindows = data.expectedWindows(size, slide);

        // T is exactly the end of window 7 (reading 43): the boundary belongs to v2.
        long activateAt = data.ts(7 * slide + size - 1);
        ModelRelease r1 = ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "slow-load-it", 1L);
        ModelRelease r2 = ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), activateAt, 100, "slow-load-it", 2L);
        ControlTopic control = new ControlTopic(CLUSTER.bootstrapServers(), harness.control);
        control.publish(r1);
        control.publish(r2);

        fetcher = new TestingSlowFileModelFetcher(r2.sha256(), DELAY);
        TestingSlowFileModelFetcher.Probe probe = fetcher.probe();
        probe.hold();
        job = CLUSTER.startJob("slow-model-load-it", env -> SensorAnomalyJob.build(env, config, fetcher));

        // Every inference subtask has both releases (its loadedVersions gauge counts models loaded
        // or loading) and v2's slow fetch has begun, so v1 is loaded (one stager thread per
        // subtask, v1 first). From here on a record with t >= T can only wait. The readings are
        // produced only now: had one with t >= T overtaken v2's release (the data and control
        // sources race), v2 would rightly be a LATE_ACTIVATION, which is not this test.
        assertThat(KafkaTestUtils.eventually(
                        () -> probe.slowFetchesStarted() >= 1 && subtasksWithBothReleases() >= config.parallelism(),
                        Duration.ofSeconds(90)))
                .as("slow fetches of v2 started: %d, subtasks holding both releases: %d",
                        probe.slowFetchesStarted(), subtasksWithBothReleases())
                .isTrue();
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.records(harness.readings));
        long produced = System.currentTimeMillis();

        try (ResultReader results = new ResultReader(CLUSTER.bootstrapServers(), harness.results)) {
            // While v2 is pending, v1 keeps serving records before T, and then the pipeline stalls
            // on the first records at or after T: no v2 result, no result >= T at all.
            results.pollUntil(r -> !r.isEmpty() && System.currentTimeMillis() >= produced + DELAY.toMillis()
                    && results.quietFor(Duration.ofMillis(1500)), Duration.ofSeconds(90));
            List<Received> whileLoading = results.received();
            assertThat(whileLoading).as("v1 results while v2 loads").isNotEmpty();
            assertThat(whileLoading).allSatisfy(r -> {
                assertThat(r.result().windowEnd()).isLessThan(activateAt);
                assertThat(r.result().model()).isEqualTo(r1.modelId());
            });
            assertThat(whileLoading.size()).isLessThan((int) expectedWindows);

            long released = System.currentTimeMillis();
            probe.release();
            results.pollUntil(r -> r.size() >= expectedWindows, Duration.ofSeconds(120));
            results.pollFor(Duration.ofSeconds(2)); // room for duplicates to show up
            List<Received> all = results.received();

            // Exactly one result per window, none lost, none duplicated.
            Set<String> distinct = new HashSet<>();
            for (Received r : all) {
                assertThat(distinct.add(r.result().deviceId() + "#" + r.result().window())).as("duplicate %s", r).isTrue();
            }
            assertThat(all).hasSize((int) expectedWindows);

            // The version is a function of event time: v1 before T, v2 from T on.
            long v2Results = 0;
            for (Received r : all) {
                SensorResult result = r.result();
                long lastReading = result.window() * slide + size - 1;
                assertThat(result.windowEnd()).isEqualTo(data.ts((int) lastReading));
                if (result.windowEnd() >= activateAt) {
                    v2Results++;
                    assertThat(result.model()).as("result at/after T: %s", result).isEqualTo(r2.modelId());
                    // It waited: written only once v2's (delayed, then held) fetch had returned.
                    assertThat(r.kafkaTimestamp()).as("write time of %s", result)
                            .isGreaterThanOrEqualTo(probe.firstSlowFetchReturned())
                            .isGreaterThanOrEqualTo(released)
                            .isGreaterThanOrEqualTo(probe.firstSlowFetchStarted() + DELAY.toMillis());
                } else {
                    assertThat(result.model()).as("result before T: %s", result).isEqualTo(r1.modelId());
                }
            }
            assertThat(v2Results).isEqualTo(data.devices * (expectedWindows / data.devices - 7));

            // Every subtask reported v2 STAGED once its load finished; nothing was late or rejected.
            List<ModelStatus> statuses = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.status, false,
                            r -> r.stream().map(c -> ModelStatusJson.fromJson(c.value()))
                                    .filter(st -> st.state() == ModelStatus.State.STAGED && "v2".equals(st.version()))
                                    .count() >= config.parallelism(),
                            Duration.ofSeconds(20), Duration.ZERO)
                    .stream().map(c -> ModelStatusJson.fromJson(c.value())).toList();
            List<ModelStatus> v2Staged = statuses.stream()
                    .filter(st -> st.state() == ModelStatus.State.STAGED && "v2".equals(st.version())).toList();
            assertThat(v2Staged).extracting(ModelStatus::subtask).containsExactlyInAnyOrder(0, 1);
            assertThat(v2Staged).allSatisfy(st -> assertThat(st.at()).isGreaterThanOrEqualTo(released));
            assertThat(statuses).noneMatch(st -> st.state() == ModelStatus.State.LATE_ACTIVATION
                    || st.state() == ModelStatus.State.REJECTED);

            // The operator counted the time records spent waiting for the load.
            Map<String, Metric> waits = METRICS.findMetrics(job.getJobID(), "\\.loadWaitMillis$");
            long waited = waits.values().stream().mapToLong(m -> ((Counter) m).getCount()).sum();
            assertThat(waits).as("loadWaitMillis counters").isNotEmpty();
            assertThat(waited).as("loadWaitMillis over all subtasks").isPositive();
            System.out.printf("slow load: %d results, %d while v2 loaded, v2 fetch %d ms after start, released %d ms "
                            + "after produce, loadWaitMillis %d%n",
                    all.size(), whileLoading.size(), probe.firstSlowFetchReturned() - probe.firstSlowFetchStarted(),
                    released - produced, waited);
        }
    }

    /** Inference subtasks whose {@code loadedVersions} gauge says they hold (loaded or loading) two models. */
    private int subtasksWithBothReleases() {
        int n = 0;
        for (Metric gauge : METRICS.findMetrics(job.getJobID(), "\\.loadedVersions$").values()) {
            if (((Gauge<?>) gauge).getValue() instanceof Number loaded && loaded.intValue() >= 2) {
                n++;
            }
        }
        return n;
    }

    private record Received(SensorResult result, long kafkaTimestamp, long readAt) {}

    /** Reads the results topic from the beginning, keeping when each result became readable. */
    private static final class ResultReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<Received> received = new ArrayList<>();
        private long lastArrival = System.currentTimeMillis();

        ResultReader(String bootstrap, String topic) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void pollOnce() {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                long now = System.currentTimeMillis();
                try {
                    received.add(new Received(SensorResultJson.fromJson(record.value()), record.timestamp(), now));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("unreadable result at offset " + record.offset(), e);
                }
                lastArrival = now;
            }
        }

        void pollUntil(Predicate<List<Received>> done, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(received)) {
                pollOnce();
            }
        }

        void pollFor(Duration duration) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                pollOnce();
            }
        }

        boolean quietFor(Duration duration) {
            return System.currentTimeMillis() - lastArrival >= duration.toMillis();
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}

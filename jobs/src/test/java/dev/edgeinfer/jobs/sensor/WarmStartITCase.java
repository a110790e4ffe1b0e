package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The warm start: every operator on the sensor job's record path (parser, inference, result and
 * dead-letter serializers) runs its hot code on synthetic records in {@code open()}, and none of
 * those records reaches a topic, a metric of real work, or the state. Counted against a known
 * input: exactly the expected results and dead letters, nothing carrying the warm-up's device id,
 * and the warm-up gauges saying the warm-up did run.
 */
class WarmStartITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2)
            .flinkConfiguration(METRICS.addToConfiguration(new Configuration())).build();

    @Test
    void warmUpRunsInEveryRecordPathOperatorAndNothingWarmedReachesATopicOrTheCounts() throws Exception {
        BuiltModel model = TestingModels.v2();
        SensorJobHarness harness = new SensorJobHarness(CLUSTER, model, 2);
        harness.conf.set(KafkaJobOptions.WARMUP_MAX_TIME, Duration.ofSeconds(5));
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(4, 40, config.channels(), 11L);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        JobClient job = CLUSTER.startJob("warm-start-it", env -> SensorAnomalyJob.build(env, config));
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.records(harness.readings));

        List<ConsumerRecord<byte[], byte[]>> results = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.results, true, r -> r.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(2));
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.deadLetters, true, r -> r.size() >= data.malformed.size(), Duration.ofSeconds(30), Duration.ofSeconds(1));
        List<ConsumerRecord<byte[], byte[]>> statuses = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.status, true, r -> false, Duration.ofSeconds(1), Duration.ZERO);

        assertThat(results).hasSize((int) expectedWindows);
        assertThat(deadLetters).hasSize(data.malformed.size());
        assertThat(statuses).isNotEmpty();
        for (List<ConsumerRecord<byte[], byte[]>> topic : List.of(results, deadLetters, statuses)) {
            assertThat(topic).noneSatisfy(r -> assertThat(text(r.key()) + " " + text(r.value()))
                    .containsAnyOf(SensorWarmup.DEVICE_ID, "\"warm-up\""));
        }
        for (ConsumerRecord<byte[], byte[]> r : results) {
            assertThat(SensorResultJson.fromJson(r.value()).model()).isEqualTo(model.id());
        }

        // Real work is counted, warm-up is not: scored windows and dead letters equal the topics.
        assertThat(sum(counters(job, "\\.version\\.[^.]+\\.scored$"))).isEqualTo(expectedWindows);
        assertThat(sum(counters(job, "\\.reason\\.[A-Z_]+\\.deadLetters$")))
                .isEqualTo(data.malformed.size());

        // And the warm-up did run, on both subtasks of each warmed operator.
        Map<String, Metric> iterations = METRICS.findMetrics(job.getJobID(), "\\.edgeinfer\\.warmupIterations$");
        assertThat(iterations.keySet()).as("warm-up gauges").hasSizeGreaterThanOrEqualTo(2 * 4);
        assertThat(iterations.keySet()).anyMatch(k -> k.contains("parse")).anyMatch(k -> k.contains("inference"));
        for (Map.Entry<String, Metric> gauge : iterations.entrySet()) {
            assertThat(((Number) ((Gauge<?>) gauge.getValue()).getValue()).intValue()).as(gauge.getKey()).isPositive();
        }
        job.cancel().get();
    }

    private static Map<String, Metric> counters(JobClient job, String pattern) {
        return METRICS.findMetrics(job.getJobID(), pattern);
    }

    private static long sum(Map<String, Metric> metrics) {
        return metrics.values().stream().filter(Counter.class::isInstance).mapToLong(m -> ((Counter) m).getCount()).sum();
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }
}

package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.kafka.EmbeddedKafkaBroker;
import dev.edgeinfer.jobs.model.BuiltModel;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The sensor pipeline end to end on real parts: a KRaft broker, a Flink MiniCluster at
 * parallelism 2, and a trained ONNX model served through DJL's ONNX Runtime engine.
 */
class SensorPipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static EmbeddedKafkaBroker kafka;
    private JobClient job;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @AfterEach
    void cancelJobAndCheckNothingLeaked() throws Exception {
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        assertThat(KafkaTestUtils.eventually(() -> OnnxModelRunner.openRunners() == 0, Duration.ofSeconds(20)))
                .as("ONNX Runtime sessions still open after the job ended: %d", OnnxModelRunner.openRunners())
                .isTrue();
        assertThat(KafkaTestUtils.eventually(
                        () -> KafkaTestUtils.openKafkaClients("producer", "*").isEmpty(), Duration.ofSeconds(20)))
                .as("Kafka producers still open: %s", KafkaTestUtils.openKafkaClients("producer", "*"))
                .isTrue();
    }

    @Test
    void everyWindowIsScoredExactlyOnceWithLineageAndEveryMalformedRecordIsDeadLetteredWithItsReason()
            throws Exception {
        BuiltModel model = TestingModels.v2();
        SensorJobHarness harness = new SensorJobHarness(kafka, model, 4);
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(12, 160, config.channels(), 7L);
        KafkaTestUtils.produceAll(kafka.bootstrapServers(), data.records(harness.readings));
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SensorAnomalyJob.build(env, config);
        job = env.executeAsync("sensor-pipeline-it");

        List<ConsumerRecord<byte[], byte[]>> resultRecords =
                KafkaTestUtils.readUntil(kafka.bootstrapServers(), harness.results, true,
                        r -> r.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(3));
        List<ConsumerRecord<byte[], byte[]>> deadLetters =
                KafkaTestUtils.readUntil(kafka.bootstrapServers(), harness.deadLetters, true,
                        r -> r.size() >= data.malformed.size(), Duration.ofSeconds(30), Duration.ofSeconds(1));

        // Exactly one result per (device, window): count them all.
        List<SensorResult> results = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : resultRecords) {
            SensorResult result = SensorResultJson.fromJson(record.value());
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(result.deviceId());
            results.add(result);
        }
        Set<String> distinct = new HashSet<>();
        for (SensorResult r : results) {
            assertThat(distinct.add(r.deviceId() + "#" + r.window())).as("duplicate result %s", r).isTrue();
        }
        assertThat(results).hasSize((int) expectedWindows);
        for (int d = 0; d < data.devices; d++) {
            String device = TestingSensorData.deviceId(d);
            long perDevice = results.stream().filter(r -> r.deviceId().equals(device)).count();
            assertThat(perDevice).as("windows of %s", device).isEqualTo(expectedWindows / data.devices);
        }

        // Lineage and event time on every result.
        for (SensorResult r : results) {
            assertThat(r.model()).isEqualTo(model.id());
            assertThat(r.site()).isEqualTo(config.siteId());
            long lastReading = r.window() * config.windowSlide() + config.windowSize() - 1;
            assertThat(r.windowEnd()).isEqualTo(data.ts((int) lastReading));
            assertThat(r.windowStart()).isEqualTo(data.ts((int) (r.window() * config.windowSlide())));
            assertThat(r.score()).isBetween(0f, 1f);
            assertThat(r.anomaly()).isEqualTo(r.score() >= config.anomalyThreshold());
        }

        // Detection quality against the injected ground truth (v2's held-out recall is ~0.92).
        long tp = 0, fp = 0, fn = 0;
        for (SensorResult r : results) {
            boolean actual = data.windowIsAnomalous(r.deviceId(), r.window(), config.windowSize(), config.windowSlide());
            if (r.anomaly() && actual) {
                tp++;
            } else if (r.anomaly()) {
                fp++;
            } else if (actual) {
                fn++;
            }
        }
        assertThat(tp + fn).as("anomalous windows in the test data").isGreaterThan(20);
        double recall = (double) tp / (tp + fn);
        double precision = (double) tp / (tp + fp);
        assertThat(recall).as("recall (TP %d, FN %d)", tp, fn).isGreaterThanOrEqualTo(0.80);
        assertThat(precision).as("precision (TP %d, FP %d)", tp, fp).isGreaterThanOrEqualTo(0.80);

        // Every malformed record, byte for byte, with the right reason.
        Map<String, String> expectedReasonByValue = new HashMap<>();
        data.malformed.forEach(m ->
                expectedReasonByValue.put(new String(m.value(), StandardCharsets.UTF_8), m.expectedReason().name()));
        assertThat(deadLetters).hasSize(data.malformed.size());
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            String value = new String(letter.value(), StandardCharsets.UTF_8);
            assertThat(expectedReasonByValue).containsKey(value);
            String reason = new String(letter.headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(), StandardCharsets.UTF_8);
            assertThat(reason).as("reason for %s", abbreviate(value)).isEqualTo(expectedReasonByValue.get(value));
            assertThat(letter.headers().lastHeader(DeadLetterSerializer.DETAIL_HEADER).value()).isNotEmpty();
            assertThat(new String(letter.headers().lastHeader(DeadLetterSerializer.SOURCE_HEADER).value(), StandardCharsets.UTF_8))
                    .startsWith(harness.readings + "/");
            assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(TestingSensorData.deviceId(0));
        }
    }

    private static String abbreviate(String s) {
        return s.length() < 60 ? s : s.substring(0, 57) + "...";
    }
}

package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sensor pipeline end to end on real parts: a KRaft broker, a Flink MiniCluster at
 * parallelism 2, and a trained ONNX model served through DJL's ONNX Runtime engine. One job run
 * over a known set of readings (with one malformed record of each kind mixed in) serves every
 * test; each test checks one promise about its output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SensorPipelineITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    private BuiltModel model;
    private SensorJobHarness harness;
    private SensorJobConfig config;
    private TestingSensorData data;
    private long expectedWindows;
    private final List<ConsumerRecord<byte[], byte[]>> resultRecords = new ArrayList<>();
    private final List<SensorResult> results = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

    @BeforeAll
    void runTheJobOverAKnownSetOfReadings() throws Exception {
        model = TestingModels.v2();
        harness = new SensorJobHarness(CLUSTER, model, 4);
        config = harness.config();
        data = new TestingSensorData(12, 160, config.channels(), 7L);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.records(harness.readings));
        expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        CLUSTER.startJob("sensor-pipeline-it", env -> SensorAnomalyJob.build(env, config));

        resultRecords.addAll(KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.results, true,
                r -> r.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(3)));
        for (ConsumerRecord<byte[], byte[]> record : resultRecords) {
            results.add(SensorResultJson.fromJson(record.value()));
        }
        deadLetters.addAll(KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.deadLetters, true,
                r -> r.size() >= data.malformed.size(), Duration.ofSeconds(30), Duration.ofSeconds(1)));
    }

    @Test
    void everyWindowIsScoredExactlyOnce() {
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
    }

    @Test
    void everyResultNamesItsModelVersionSha256SiteAndWindowEventTime() {
        assertThat(results).isNotEmpty();
        for (int i = 0; i < results.size(); i++) {
            SensorResult r = results.get(i);
            assertThat(new String(resultRecords.get(i).key(), StandardCharsets.UTF_8)).isEqualTo(r.deviceId());
            assertThat(r.model()).isEqualTo(model.id());
            assertThat(r.site()).isEqualTo(config.siteId());
            long lastReading = r.window() * config.windowSlide() + config.windowSize() - 1;
            assertThat(r.windowEnd()).isEqualTo(data.ts((int) lastReading));
            assertThat(r.windowStart()).isEqualTo(data.ts((int) (r.window() * config.windowSlide())));
            assertThat(r.score()).isBetween(0f, 1f);
            assertThat(r.anomaly()).isEqualTo(r.score() >= config.anomalyThreshold());
        }
    }

    @Test
    void injectedAnomaliesAreDetectedWithRecallAndPrecisionOfAtLeast80Percent() {
        // v2's held-out recall is about 0.92, precision about 0.96.
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
        assertThat((double) tp / (tp + fn)).as("recall (TP %d, FN %d)", tp, fn).isGreaterThanOrEqualTo(0.80);
        assertThat((double) tp / (tp + fp)).as("precision (TP %d, FP %d)", tp, fp).isGreaterThanOrEqualTo(0.80);
    }

    Stream<TestingSensorData.Malformed> malformedRecords() {
        return data.malformed.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRecords")
    void malformedRecordIsDeadLetteredByteForByteWithItsReasonAndNoValidReadingGoesMissing(
            TestingSensorData.Malformed malformed) {
        List<ConsumerRecord<byte[], byte[]>> letters = deadLetters.stream()
                .filter(l -> java.util.Arrays.equals(l.value(), malformed.value()))
                .toList();
        assertThat(letters).as("dead letters carrying exactly the bytes of the %s record", malformed.expectedReason())
                .hasSize(1);
        ConsumerRecord<byte[], byte[]> letter = letters.get(0);
        assertThat(new String(letter.headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo(malformed.expectedReason().name());
        assertThat(letter.headers().lastHeader(DeadLetterSerializer.DETAIL_HEADER).value()).isNotEmpty();
        assertThat(new String(letter.headers().lastHeader(DeadLetterSerializer.SOURCE_HEADER).value(), StandardCharsets.UTF_8))
                .startsWith(harness.readings + "/");
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(malformed.deviceId());
        // The job kept running through it: every valid reading's windows are there.
        assertThat(results).hasSize((int) expectedWindows);
        assertThat(deadLetters).hasSize(data.malformed.size());
    }

    @Test
    void everyKindOfRejectedReadingIsCovered() {
        assertThat(data.malformed.stream().map(TestingSensorData.Malformed::expectedReason))
                .containsExactlyInAnyOrder(SensorRejectReason.values());
    }
}

package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingPacedProducer;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A power loss at a site: {@code edgeinfer run} (its own JVM, its own MiniCluster) is killed with
 * SIGKILL mid-stream while readings keep arriving, then started again with the same command. It
 * resumes from the latest completed checkpoint in its state directory, so every device's count
 * windows stay aligned: every expected window appears, none that should not exist; in
 * exactly-once mode each window and each dead letter exactly once, in at-least-once mode repeats
 * only of byte-identical results and dead letters.
 */
class RunResumeITCase {

    @RegisterExtension
    static final EdgeInferCluster KAFKA = EdgeInferCluster.builder().build();

    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(DeliveryGuarantee.class)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aRunKilledMidStreamResumesFromItsCheckpointWithEveryWindowAccountedFor(DeliveryGuarantee delivery)
            throws Exception {
        BuiltModel model = TestingModels.v1();
        SensorJobHarness harness = new SensorJobHarness(KAFKA, model, 4);
        if (delivery == DeliveryGuarantee.EXACTLY_ONCE) {
            harness.exactlyOnce();
        }
        SensorJobConfig config = harness.config();
        boolean committed = delivery == DeliveryGuarantee.EXACTLY_ONCE;
        TestingSensorData data = new TestingSensorData(8, 320, config.channels(), 23L);
        int size = config.windowSize();
        int slide = config.windowSlide();
        long expected = data.expectedWindows(size, slide);
        List<String> command = runCommand(harness);
        Path console = dir.resolve("console.txt");

        TestingPacedProducer producer;
        int beforeKill;
        try (CliProcess first = CliProcess.start(console, command)) {
            first.awaitConsole("no completed checkpoint", Duration.ofSeconds(60));
            // A tenth of the readings until the job is seen scoring, then about 20 s of the rest,
            // arriving while the job runs, dies and comes back.
            List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
            int head = records.size() / 10;
            KafkaTestUtils.produceAll(KAFKA.bootstrapServers(), records.subList(0, head));
            assertThat(KafkaTestUtils.eventually(
                            () -> KafkaTestUtils.count(KAFKA.bootstrapServers(), harness.results, committed) > 0,
                            Duration.ofSeconds(90)))
                    .as("the job scores readings:\n%s", first.console())
                    .isTrue();
            producer = TestingPacedProducer.start(KAFKA.bootstrapServers(), records.subList(head, records.size()),
                    Duration.ofMillis(400));
            RetainedCheckpoints checkpoints = new RetainedCheckpoints(dir.resolve("work").resolve("state").resolve("sensor"));
            assertThat(KafkaTestUtils.eventually(
                            () -> checkpoints.latestCompleted().isPresent()
                                    && KafkaTestUtils.count(KAFKA.bootstrapServers(), harness.results, committed)
                                            >= expected / 4,
                            Duration.ofSeconds(90)))
                    .as("a quarter of the windows and a completed checkpoint before the power loss:\n%s", first.console())
                    .isTrue();
            first.killHard();
            beforeKill = KafkaTestUtils.count(KAFKA.bootstrapServers(), harness.results, committed);
        }
        assertThat(producer.isRunning()).as("readings still arriving when the process died").isTrue();
        assertThat(beforeKill).as("killed mid-stream").isLessThan((int) expected);

        List<ConsumerRecord<byte[], byte[]>> results;
        List<ConsumerRecord<byte[], byte[]>> deadLetters;
        try (CliProcess second = CliProcess.start(console, command)) {
            second.awaitConsole("resuming from checkpoint", Duration.ofSeconds(60));
            assertThat(producer.await(120)).isNull();
            results = KafkaTestUtils.readUntil(KAFKA.bootstrapServers(), harness.results, committed,
                    read -> distinctWindows(read) >= expected, Duration.ofSeconds(120), Duration.ofSeconds(3));
            deadLetters = KafkaTestUtils.readUntil(KAFKA.bootstrapServers(), harness.deadLetters, committed,
                    read -> read.size() >= data.malformed.size(), Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertThat(second.isAlive()).as(second.console()).isTrue();
        }

        System.out.printf("%s: %d windows expected, %d results before the kill, %d results, %d dead letters%n%s%n",
                delivery, expected, beforeKill, results.size(), deadLetters.size(), Files.readString(console));
        assertEveryWindowAlignedAndAccountedFor(results, data, size, slide, committed);
        assertEveryMalformedRecordDeadLettered(deadLetters, data, committed);
    }

    /** {@code edgeinfer run} with the harness's topics and settings, a state directory under the test's folder. */
    private List<String> runCommand(SensorJobHarness harness) {
        List<String> args = new ArrayList<>(List.of("run", "--bootstrap", KAFKA.bootstrapServers(),
                "--work-dir", dir.resolve("work").toString()));
        harness.conf.toMap().forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        // As run's default: a job started without state reads from the group's committed offsets.
        args.addAll(List.of("--set", "kafka.starting-offsets=COMMITTED"));
        return args;
    }

    private static void assertEveryWindowAlignedAndAccountedFor(List<ConsumerRecord<byte[], byte[]>> results,
            TestingSensorData data, int size, int slide, boolean exactlyOnce) throws Exception {
        long perDevice = data.expectedWindows(size, slide) / data.devices;
        Map<String, String> first = new HashMap<>();
        Map<String, Set<Long>> windows = new HashMap<>();
        int duplicates = 0;
        for (ConsumerRecord<byte[], byte[]> record : results) {
            SensorResult r = SensorResultJson.fromJson(record.value());
            assertThat(r.windowStart()).as("window %s#%d starts at its first reading", r.deviceId(), r.window())
                    .isEqualTo(data.ts((int) (r.window() * slide)));
            assertThat(r.windowEnd()).as("window %s#%d ends at its last reading", r.deviceId(), r.window())
                    .isEqualTo(data.ts((int) (r.window() * slide + size - 1)));
            windows.computeIfAbsent(r.deviceId(), d -> new TreeSet<>()).add(r.window());
            String scored = new String(record.value(), java.nio.charset.StandardCharsets.UTF_8);
            String earlier = first.putIfAbsent(r.deviceId() + "#" + r.window(), scored);
            if (earlier != null) {
                duplicates++;
                assertThat(scored).as("a repeated result is byte-identical").isEqualTo(earlier);
            }
        }
        assertThat(windows).as("every device").hasSize(data.devices);
        for (int d = 0; d < data.devices; d++) {
            Set<Long> all = new TreeSet<>();
            for (long w = 0; w < perDevice; w++) {
                all.add(w);
            }
            assertThat(windows.get(TestingSensorData.deviceId(d))).as("windows of device %d: none lost, none extra", d)
                    .isEqualTo(all);
        }
        if (exactlyOnce) {
            assertThat(duplicates).as("exactly once: no window twice").isZero();
        }
    }

    private static void assertEveryMalformedRecordDeadLettered(List<ConsumerRecord<byte[], byte[]>> letters,
            TestingSensorData data, boolean exactlyOnce) {
        Set<String> seen = new HashSet<>();
        Map<String, Integer> perRecord = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            String value = new String(letter.value(), StandardCharsets.UTF_8);
            perRecord.merge(value, 1, Integer::sum);
            seen.add(value + "|" + headers(letter));
        }
        for (TestingSensorData.Malformed m : data.malformed) {
            String value = new String(m.value(), StandardCharsets.UTF_8);
            assertThat(perRecord.getOrDefault(value, 0)).as("dead letters of %s", m).isGreaterThanOrEqualTo(1);
            if (exactlyOnce) {
                assertThat(perRecord.get(value)).as("exactly once: %s dead-lettered once", m).isEqualTo(1);
            }
        }
        assertThat(seen).as("repeated dead letters are identical (value and headers)").hasSize(perRecord.size());
    }

    private static String headers(ConsumerRecord<byte[], byte[]> letter) {
        StringBuilder out = new StringBuilder();
        for (Header h : letter.headers()) {
            out.append(h.key()).append('=').append(Arrays.toString(h.value())).append(';');
        }
        assertThat(letter.headers().lastHeader(DeadLetterSerializer.REASON_HEADER)).isNotNull();
        return out.toString();
    }

    private static long distinctWindows(List<ConsumerRecord<byte[], byte[]>> read) {
        Set<String> windows = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : read) {
            try {
                SensorResult r = SensorResultJson.fromJson(record.value());
                windows.add(r.deviceId() + "#" + r.window());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return windows.size();
    }
}

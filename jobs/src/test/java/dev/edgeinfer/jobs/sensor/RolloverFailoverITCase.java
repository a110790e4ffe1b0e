package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.LeakChecks;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingPacedProducer;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A rollover from v1 to v2 while a TaskManager dies, in exactly-once mode: every window is
 * committed exactly once, and by the version the release timeline assigns to its event time —
 * the restored subtasks rebuild the timeline from checkpointed broadcast state and reload the
 * models they need.
 */
class RolloverFailoverITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void everyWindowIsCommittedOnceByTheTimelinesVersionWhenATaskManagerDiesAroundTheSwitch(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        SensorJobHarness harness = new SensorJobHarness(kafka, null, 4);
        harness.conf.set(KafkaJobOptions.DELIVERY_GUARANTEE, KafkaJobOptions.DeliveryGuarantee.EXACTLY_ONCE);
        harness.conf.set(SensorJobOptions.MODEL_NAME, v1.id().name());
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(8, 400, config.channels(), 23L);
        List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        // v1 from the beginning, v2 from the middle of the data's event time.
        long switchAt = data.ts(data.readingsPerDevice / 2);
        ModelRelease first = ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "it", 1L);
        ModelRelease second = ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), switchAt, 100, "it", 2L);
        ControlTopic control = new ControlTopic(kafka.bootstrapServers(), harness.control);
        control.publish(first);
        control.publish(second);
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(first, second));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(KafkaTestUtils.fixedDelayRestarts());
        SensorAnomalyJob.build(env, config);
        JobClient job = env.executeAsync("rollover-failover-it");

        // Readings keep flowing (several seconds) while the TaskManager dies.
        TestingPacedProducer producer = TestingPacedProducer.start(kafka.bootstrapServers(), records);

        try {
            // Kill a TaskManager close to the switch: once ~40% of the windows are committed.
            assertThat(KafkaTestUtils.eventually(
                            () -> KafkaTestUtils.count(kafka.bootstrapServers(), harness.results, true) > expectedWindows * 2 / 5,
                            Duration.ofSeconds(90)))
                    .as("committed results before the kill")
                    .isTrue();
            assertThat(producer.isRunning()).as("the producer must still be running when the TaskManager dies").isTrue();
            miniCluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
            miniCluster.startTaskManager();

            assertThat(producer.await(120)).as("producer failure").isNull();

            List<ConsumerRecord<byte[], byte[]>> committed =
                    KafkaTestUtils.readUntil(kafka.bootstrapServers(), harness.results, true,
                            r -> r.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(3));

            Map<String, Integer> perWindow = new HashMap<>();
            Map<String, Integer> perVersion = new HashMap<>();
            int misrouted = 0;
            for (ConsumerRecord<byte[], byte[]> record : committed) {
                SensorResult r = SensorResultJson.fromJson(record.value());
                perWindow.merge(r.deviceId() + "#" + r.window(), 1, Integer::sum);
                perVersion.merge(r.model().version(), 1, Integer::sum);
                ModelRelease expected = timeline.resolve(r.model().name(), r.windowEnd(), r.deviceId()).orElseThrow();
                if (!expected.modelId().equals(r.model())) {
                    misrouted++;
                }
            }
            assertThat(perWindow.values()).as("every window exactly once").allMatch(n -> n == 1);
            assertThat(perWindow).as("no window lost").hasSize((int) expectedWindows);
            assertThat(misrouted).as("results scored by another version than the timeline's").isZero();
            assertThat(perVersion).as("both versions served").containsKeys("v1", "v2");
        } finally {
            producer.await(30);
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        LeakChecks.assertNoOnnxSessionOrKafkaProducerLeft();
    }
}

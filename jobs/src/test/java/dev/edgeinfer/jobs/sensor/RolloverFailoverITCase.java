package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TaskManagerFailover;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A rollover from v1 to v2 while a TaskManager dies, in exactly-once mode: every window is
 * committed exactly once, and by the version the release timeline assigns to its event time —
 * the restored subtasks rebuild the timeline from checkpointed broadcast state and reload the
 * models they need.
 */
class RolloverFailoverITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(2, 1).restartOnFailure().build();

    @Test
    void everyWindowIsCommittedOnceByTheTimelinesVersionWhenATaskManagerDiesAroundTheSwitch(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        SensorJobHarness harness = new SensorJobHarness(CLUSTER, null, 4).exactlyOnce();
        harness.conf.set(SensorJobOptions.MODEL_NAME, v1.id().name());
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(8, 400, config.channels(), 23L);
        List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        // v1 from the beginning, v2 from the middle of the data's event time.
        long switchAt = data.ts(data.readingsPerDevice / 2);
        ModelRelease first = ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "it", 1L);
        ModelRelease second = ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), switchAt, 100, "it", 2L);
        ControlTopic control = new ControlTopic(CLUSTER.bootstrapServers(), harness.control);
        control.publish(first);
        control.publish(second);
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(first, second));

        CLUSTER.startJob("rollover-failover-it", env -> SensorAnomalyJob.build(env, config));

        // Readings keep flowing while a TaskManager dies close to the switch: once ~40% of the
        // windows are committed.
        List<ConsumerRecord<byte[], byte[]>> committed = TaskManagerFailover.killATaskManagerMidStream(miniCluster,
                CLUSTER.bootstrapServers(), records, harness.results, expectedWindows * 2 / 5, Duration.ofSeconds(90), expectedWindows);

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
    }
}

package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Replay determinism on a fresh start (the rollover contract in docs/architecture.md, docs/model-broadcast.md "a job started
 * fresh (or replaying old data)"): releases already on the control topic when the job starts
 * govern a backlog of data, even when the control topic holds a long history of other models'
 * releases that the control source must read first. The operator does not order its data and
 * control inputs, so without the releases in the timeline at start the backlog overtakes them.
 */
class FreshStartBacklogRolloverITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, PARALLELISM).build();

    @Test
    void releasesPublishedBeforeAFreshStartGovernTheDataBacklogBehindALongControlHistory() throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        String model = v1.id().name();
        SensorJobHarness harness = SensorJobHarness.releasesOnly(CLUSTER, v1, 4);
        SensorJobConfig config = harness.config();
        String bootstrap = CLUSTER.bootstrapServers();
        long base = (System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;
        long t = base + 3_000;

        long now = System.currentTimeMillis();
        ModelRelease releaseV1 = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease releaseV2 = ReleaseFactory.fromFile(model, v2.id().version(), v2.file(), t, 100, "it", now + 1);
        ControlTopic control = new ControlTopic(bootstrap, harness.control);
        control.publish(releaseV1);
        // The control topic is shared: 3000 releases of another model precede v2.
        List<ProducerRecord<byte[], byte[]>> history = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            ModelRelease other = releaseV1.toBuilder().model("another-model").activateAt(i).build();
            history.add(new ProducerRecord<>(harness.control,
                    other.releaseId().getBytes(StandardCharsets.UTF_8), ModelReleaseJson.toJson(other)));
        }
        KafkaTestUtils.produceAll(bootstrap, history);
        control.publish(releaseV2);
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(releaseV1, releaseV2));

        // A backlog of 10 s of data per device, produced before the job starts.
        TestingEventTimeReadings data =
                new TestingEventTimeReadings(8, config.channels(), config.windowSize(), config.windowSlide(), base, 1, 3L);
        data.addShuffledForAll(0, 100, 1);
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));

        CLUSTER.startJob("fresh-start-backlog-it", env -> SensorAnomalyJob.build(env, config));

        List<SensorResult> results = JobOutputs.results(
                bootstrap, harness.results, data.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(2));
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(results, data, timeline, model);
        assertThat(results).anyMatch(r -> r.model().equals(releaseV2.modelId()));
        List<ModelStatus> statuses = JobOutputs.statuses(bootstrap, harness.status);
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);
    }
}

package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.LeakChecks;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Replay determinism on a fresh start (ARCHITECTURE §4, docs/model-broadcast.md "a job started
 * fresh (or replaying old data)"): releases already on the control topic when the job starts
 * govern a backlog of data, even when the control topic holds a long history of other models'
 * releases that the control source must read first. The operator does not order its data and
 * control inputs, so without the releases in the timeline at start the backlog overtakes them.
 */
class FreshStartBacklogRolloverITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
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
        LeakChecks.assertNoOnnxSessionOrKafkaProducerLeft();
    }

    @Test
    void releasesPublishedBeforeAFreshStartGovernTheDataBacklogBehindALongControlHistory() throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        String model = v1.id().name();
        SensorJobHarness harness = new SensorJobHarness(kafka, null, 4);
        harness.conf.set(SensorJobOptions.MODEL_NAME, model);
        harness.conf.set(SensorJobOptions.CHANNELS, v1.channels());
        harness.conf.set(SensorJobOptions.WINDOW_SIZE, v1.windowSize());
        SensorJobConfig config = harness.config();
        String bootstrap = kafka.bootstrapServers();
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

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SensorAnomalyJob.build(env, config);
        job = env.executeAsync("fresh-start-backlog-it");

        List<SensorResult> results = JobOutputs.results(
                bootstrap, harness.results, data.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(2));
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(results, data, timeline, model);
        assertThat(results).anyMatch(r -> r.model().equals(releaseV2.modelId()));
        List<ModelStatus> statuses = JobOutputs.statuses(bootstrap, harness.status);
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);
    }
}

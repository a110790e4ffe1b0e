package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.ControlTopicBarrier;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rollback (an older version activated again at a later event time) and a long series of
 * rollovers, on a real broker and a Flink MiniCluster at parallelism 2: every window is scored
 * exactly once by the version the timeline assigns to its event time, and the ONNX sessions a
 * job holds stay bounded by the distinct versions it serves, not by the number of activations.
 */
class RollbackAndManyRolloversITCase {

    private static final int PARALLELISM = 2;
    private static final int SHUFFLE_BLOCK = 10;

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, PARALLELISM).build();

    // Both tests roll between the same two sensor models.
    private final BuiltModel v1 = TestingModels.v1();
    private final BuiltModel v2 = TestingModels.v2();
    private final String model = v1.id().name();

    @Test
    void rollbackToV1AtALaterEventTimeScoresEachWindowByTheTimelinesVersionAndReusesTheLoadedV1Session()
            throws Exception {
        SensorJobHarness harness = harness(v1, Duration.ofSeconds(2), Duration.ofMillis(300));
        SensorJobConfig config = harness.config();
        String bootstrap = CLUSTER.bootstrapServers();
        long base = (System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;
        long t1 = base + 5_000;
        long t2 = base + 10_000;

        long now = System.currentTimeMillis();
        ModelRelease first = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease rollover = ReleaseFactory.fromFile(model, v2.id().version(), v2.file(), t1, 100, "it", now + 1);
        ModelRelease rollback = first.toBuilder().activateAt(t2).publishedAt(now + 2).publisher("rollback").build();
        List<ModelRelease> published = List.of(first, rollover, rollback);
        ControlTopic control = new ControlTopic(bootstrap, harness.control);
        for (ModelRelease r : published) {
            control.publish(r);
        }
        ReleaseTimeline timeline = ReleaseTimeline.of(published);

        TestingEventTimeReadings data =
                new TestingEventTimeReadings(6, config.channels(), config.windowSize(), config.windowSlide(), base, 1, 7L);
        data.addShuffledForAll(0, 160, SHUFFLE_BLOCK);
        // Windows that end exactly on both sides of both boundaries.
        data.set(0, data.windowEndPosition(9), t1);
        data.set(1, data.windowEndPosition(9), t1 - 1);
        data.set(0, data.windowEndPosition(21), t2);
        data.set(1, data.windowEndPosition(21), t2 - 1);
        Set<Integer> subtasks = new HashSet<>();
        for (int d = 0; d < data.devices(); d++) {
            subtasks.add(RolloverAssertions.subtaskOf(TestingEventTimeReadings.deviceId(d), PARALLELISM));
        }
        assertThat(subtasks).as("devices on every subtask").hasSize(PARALLELISM);

        CLUSTER.startJob("rollback-it", env -> SensorAnomalyJob.build(env, config));
        ControlTopicBarrier.publishAndAwait(control, bootstrap, harness.status, PARALLELISM, Duration.ofSeconds(60));
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));

        List<SensorResult> results = JobOutputs.results(
                bootstrap, harness.results, data.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(3));
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(results, data, timeline, model);
        for (SensorResult r : results) {
            boolean v2Period = r.windowEnd() >= t1 && r.windowEnd() < t2;
            assertThat(r.model()).as("version of %s", r).isEqualTo(v2Period ? rollover.modelId() : first.modelId());
        }
        for (long boundary : new long[] {t1 - 1, t1, t2 - 1, t2}) {
            assertThat(results).as("a window ends at %d", boundary).anyMatch(r -> r.windowEnd() == boundary);
        }
        assertThat(results).as("windows after the rollback").anyMatch(r -> r.windowEnd() > t2 + 2_000);

        // The rollback is its own activation, served by the v1 session loaded for the first one:
        // v2 retires once the watermark passes t2 + lateness; v1 is never reloaded.
        List<ModelStatus> statuses = JobOutputs.statusesUntil(bootstrap, harness.status,
                s -> JobOutputs.fromEverySubtask(s, PARALLELISM, st -> isRetirementOf(st, rollover)), Duration.ofSeconds(60));
        assertThat(JobOutputs.fromEverySubtask(statuses, PARALLELISM, st -> isRetirementOf(st, rollover)))
                .as("RETIRED v2 from every subtask; statuses %s", statuses)
                .isTrue();
        assertThat(JobOutputs.fromEverySubtask(statuses, PARALLELISM,
                        st -> st.state() == ModelStatus.State.ACTIVE && rollback.releaseId().equals(st.releaseId())))
                .as("the rollback is reported ACTIVE as its own release by every subtask; statuses %s", statuses)
                .isTrue();
        // RETIRED is per release: the first v1 activation retires once superseded, the rollback
        // (still serving) never does, and its session is the one loaded for v1 at the start.
        assertThat(statuses).noneMatch(st -> st.state() == ModelStatus.State.RETIRED
                && rollback.releaseId().equals(st.releaseId()));
        // A session is reloaded only for a record later than the watermark plus the allowed
        // lateness, after its release retired on that subtask (a backlog read behind a paused
        // partition can produce one on a loaded machine) — never while it is still loaded.
        for (int i = 0; i < statuses.size(); i++) {
            ModelStatus reload = statuses.get(i);
            if ("RELOADED_FOR_LATE_RECORD".equals(reload.reason())) {
                assertThat(statuses.subList(0, i))
                        .as("%s is reloaded only after it retired on subtask %d; statuses %s",
                                reload.releaseId(), reload.subtask(), statuses)
                        .anyMatch(st -> st.state() == ModelStatus.State.RETIRED
                                && st.subtask() == reload.subtask()
                                && st.releaseId().equals(reload.releaseId()));
            }
        }
        // Each release is staged (verified) on its own; the rollback shares v1's loaded session,
        // so it is staged without a reload.
        assertThat(JobOutputs.fromEverySubtask(statuses, PARALLELISM,
                        st -> st.state() == ModelStatus.State.STAGED && rollback.releaseId().equals(st.releaseId())
                                && st.reason() == null))
                .as("the rollback staged on every subtask without a reload; statuses %s", statuses)
                .isTrue();
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);
    }

    @Test
    void fiftyAlternatingRolloversScoreEveryWindowByTheTimelinesVersionWhileOpenSessionsStayBounded() throws Exception {
        SensorJobHarness harness = harness(v1, Duration.ofSeconds(2), Duration.ofMillis(200));
        SensorJobConfig config = harness.config();
        String bootstrap = CLUSTER.bootstrapServers();
        long base = (System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;

        long now = System.currentTimeMillis();
        ModelRelease releaseV1 = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease releaseV2 = ReleaseFactory.fromFile(model, v2.id().version(), v2.file(), 0L, 100, "it", now);
        List<ModelRelease> published = new ArrayList<>();
        published.add(releaseV1);
        long lastActivation = 0;
        for (int i = 0; i < 50; i++) {
            lastActivation = base + 2_000 + 200L * i;
            ModelRelease template = i % 2 == 0 ? releaseV2 : releaseV1;
            published.add(template.toBuilder()
                    .activateAt(lastActivation)
                    .publishedAt(now + 1 + i)
                    .publisher("it-rollover-" + i)
                    .build());
        }
        ControlTopic control = new ControlTopic(bootstrap, harness.control);
        for (ModelRelease r : published) {
            control.publish(r);
        }
        ReleaseTimeline timeline = ReleaseTimeline.of(published);
        assertThat(timeline.activations(model)).hasSize(51);

        // 8 devices 50 ms apart, 16 s of shuffled readings; for each activation one window is moved
        // to end at its first ms, in its middle or at its last ms (just before the next one).
        TestingEventTimeReadings data =
                new TestingEventTimeReadings(8, config.channels(), config.windowSize(), config.windowSlide(), base, 50, 11L);
        data.addShuffledForAll(0, 160, SHUFFLE_BLOCK);
        for (int i = 1; i < published.size(); i++) {
            long activateAt = published.get(i).activateAt();
            int device = i % data.devices();
            long k = Math.round((activateAt - data.nominalTs(device, data.windowEndPosition(0)))
                    / (double) (config.windowSlide() * TestingEventTimeReadings.STEP_MS));
            data.set(device, data.windowEndPosition(k), activateAt + new long[] {0, 100, 199}[i % 3]);
        }
        Set<String> owningReleases = new HashSet<>();
        for (int d = 0; d < data.devices(); d++) {
            for (int k = 0; k < data.windowCount(d); k++) {
                owningReleases.add(timeline.resolve(model, data.windowEnd(d, k), TestingEventTimeReadings.deviceId(d))
                        .orElseThrow().releaseId());
            }
        }
        assertThat(owningReleases).as("activations that own at least one window").hasSize(published.size());
        assertThat(data.maxEventTime() - 200).isGreaterThan(lastActivation + 2_000 + 1_000);

        // Sample the JVM-wide count of open ONNX sessions while the job runs.
        List<Integer> samples = new ArrayList<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger max = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                int open = OnnxModelRunner.openRunners();
                synchronized (samples) {
                    samples.add(open);
                }
                max.accumulateAndGet(open, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "it-onnx-session-sampler");
        sampler.setDaemon(true);
        sampler.start();
        List<SensorResult> results;
        List<ModelStatus> statuses;
        try {
            CLUSTER.startJob("many-rollovers-it", env -> SensorAnomalyJob.build(env, config));
            ControlTopicBarrier.publishAndAwait(control, bootstrap, harness.status, PARALLELISM, Duration.ofSeconds(60));
            KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));
            results = JobOutputs.results(
                    bootstrap, harness.results, data.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(3));
            statuses = JobOutputs.statusesUntil(bootstrap, harness.status,
                    s -> JobOutputs.fromEverySubtask(s, PARALLELISM, st -> isRetirementOfBytes(st, releaseV2)),
                    Duration.ofSeconds(60));
        } finally {
            sampling.set(false);
            sampler.join(5_000);
        }

        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(results, data, timeline, model);
        assertThat(results).anyMatch(r -> r.model().equals(releaseV1.modelId()));
        assertThat(results).anyMatch(r -> r.model().equals(releaseV2.modelId()));

        synchronized (samples) {
            assertThat(samples).as("samples taken while the job ran").hasSizeGreaterThan(50);
            assertThat(samples)
                    .as("open ONNX sessions (2 subtasks x 2 versions expected, never one per activation)")
                    .allMatch(open -> open <= 8);
        }
        assertThat(max.get()).as("the sampler saw the job's sessions").isGreaterThanOrEqualTo(PARALLELISM);

        assertThat(JobOutputs.fromEverySubtask(statuses, PARALLELISM, st -> isRetirementOfBytes(st, releaseV2)))
                .as("v2 retired on every subtask after the last activation (v1) plus lateness; statuses %s", statuses)
                .isTrue();
        for (int subtask = 0; subtask < PARALLELISM; subtask++) {
            int s = subtask;
            List<ModelStatus> staged = statuses.stream()
                    .filter(st -> st.subtask() == s && st.state() == ModelStatus.State.STAGED)
                    .toList();
            // Every activation is staged (verified) as its own release, but they share two sessions:
            // the bounded session samples above prove there is no load per activation.
            assertThat(staged.stream().map(ModelStatus::releaseId).distinct())
                    .as("subtask %d staged each of the 51 activations", s)
                    .hasSize(published.size());
            assertThat(staged.stream().map(ModelStatus::sha256).distinct())
                    .containsExactlyInAnyOrder(releaseV1.sha256(), releaseV2.sha256());
        }
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);
    }

    private static SensorJobHarness harness(BuiltModel geometry, Duration allowedLateness, Duration outOfOrderness) {
        return SensorJobHarness.releasesOnly(CLUSTER, geometry, 4)
                .outOfOrder(allowedLateness, outOfOrderness)
                .idleSourcesAfter(Duration.ofSeconds(5)); // the backlog is produced at once: no partition may fall idle
    }

    /** A retirement of any activation of these bytes (the 50 activations are copies of one release). */
    private static boolean isRetirementOfBytes(ModelStatus status, ModelRelease release) {
        return status.state() == ModelStatus.State.RETIRED && release.sha256().equals(status.sha256());
    }

    private static boolean isRetirementOf(ModelStatus status, ModelRelease release) {
        return status.state() == ModelStatus.State.RETIRED && release.releaseId().equals(status.releaseId());
    }
}

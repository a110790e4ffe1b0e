package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.ControlTopicBarrier;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.JobWatermarks;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A rollover v1 -> v2 at event time T on out-of-order data with late readings, on a real broker
 * and a Flink MiniCluster at parallelism 2: every window is scored exactly once by the version the
 * timeline assigns to its event time, v1 is closed once the watermark passes T + allowed
 * lateness, and a record that arrives later still is scored by v1, reloaded for it.
 *
 * <p>The data is produced in phases so that the watermark is known at each step:
 * A (shuffled readings around T: the watermark ends between T and T + lateness), B (late readings
 * within the allowed lateness, on both sides of T), C (readings that push the watermark past
 * T + lateness: v1 retires), D (readings far beyond the allowed lateness, on both sides of T).
 */
class OutOfOrderRolloverITCase {

    private static final int PARALLELISM = 2;
    private static final long ALLOWED_LATENESS_MS = 3_000;
    private static final long OUT_OF_ORDERNESS_MS = 500;
    /** Readings are shuffled within blocks of 10 (one second of event time per device). */
    private static final int SHUFFLE_BLOCK = 10;
    private static final String WINDOWER_VERTEX = "sliding count windows";

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, PARALLELISM)
            .flinkConfiguration(fastMetrics()).build();

    private JobClient job;

    private static Configuration fastMetrics() {
        Configuration conf = new Configuration();
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(200));
        return conf;
    }

    @Test
    void outOfOrderAndLateWindowsAreScoredByTheVersionOwningTheirEventTimeAndV1RetiresAfterTPlusLatenessButIsReloadedForALaterRecord(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        String model = v1.id().name();
        SensorJobHarness harness = SensorJobHarness.releasesOnly(CLUSTER, v1, 4)
                .outOfOrder(Duration.ofMillis(ALLOWED_LATENESS_MS), Duration.ofMillis(OUT_OF_ORDERNESS_MS));
        var config = harness.config();
        String bootstrap = CLUSTER.bootstrapServers();

        long base = (System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;
        long t = base + 8_000;
        TestingEventTimeReadings data =
                new TestingEventTimeReadings(6, config.channels(), config.windowSize(), config.windowSlide(), base, 1, 42L);

        // Releases first (the normal case: published a lead time ahead of the data).
        ControlTopic control = new ControlTopic(bootstrap, harness.control);
        long now = System.currentTimeMillis();
        ModelRelease releaseV1 = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease releaseV2 = ReleaseFactory.fromFile(model, v2.id().version(), v2.file(), t, 100, "it", now + 1);
        List<ModelRelease> published = List.of(releaseV1, releaseV2);
        for (ModelRelease r : published) {
            control.publish(r);
        }
        ReleaseTimeline timeline = ReleaseTimeline.of(published);

        job = CLUSTER.startJob("out-of-order-rollover-it", env -> SensorAnomalyJob.build(env, config));
        ControlTopicBarrier.publishAndAwait(control, bootstrap, harness.status, PARALLELISM, Duration.ofSeconds(60));

        // Phase A: 10 s of shuffled readings per device around T; windows end exactly at T - 1 and T.
        data.addShuffledForAll(0, 100, SHUFFLE_BLOCK);
        data.set(0, data.windowEndPosition(16), t);
        data.set(1, data.windowEndPosition(16), t - 1);
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));
        awaitResults(harness, data.totalWindows());
        long phaseAWatermarkFloor = t + 1_000;
        assertThat(KafkaTestUtils.eventually(
                        () -> watermarksAtLeast(miniCluster, phaseAWatermarkFloor), Duration.ofSeconds(30)))
                .as("watermark of every subtask reaches T + 1 s (max event time %d)", data.maxEventTime())
                .isTrue();
        List<Long> phaseAWatermarks = JobWatermarks.inputWatermarks(miniCluster, job.getJobID(), WINDOWER_VERTEX);
        assertThat(phaseAWatermarks).as("watermarks before the late readings").allMatch(w -> w < t + ALLOWED_LATENESS_MS);

        // Phase B: late readings within the allowed lateness, behind the watermark, on both sides of T.
        List<long[]> lateWithin = new ArrayList<>();
        lateWithin.add(new long[] {2, data.closeWindowAt(2, t - 500)});
        lateWithin.add(new long[] {3, data.closeWindowAt(3, t + 200)});
        for (long[] w : lateWithin) {
            long end = data.windowEnd((int) w[0], w[1]);
            assertThat(end).isLessThan(phaseAWatermarkFloor).isGreaterThanOrEqualTo(data.maxEventTime() - ALLOWED_LATENESS_MS);
        }
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));
        awaitResults(harness, data.totalWindows());
        List<ModelStatus> beforeRetirement = JobOutputs.statuses(bootstrap, harness.status);
        assertThat(beforeRetirement)
                .as("v1 must stay loaded while the watermark is below T + allowed lateness")
                .noneMatch(s -> s.state() == ModelStatus.State.RETIRED)
                .noneMatch(s -> "RELOADED_FOR_LATE_RECORD".equals(s.reason()));

        // Phase C: the watermark passes T + allowed lateness on every subtask: v1 retires (and is closed).
        for (int d = 0; d < data.devices(); d++) {
            data.continueShuffled(d, 160, SHUFFLE_BLOCK);
        }
        assertThat(data.maxEventTime() - OUT_OF_ORDERNESS_MS).isGreaterThan(t + ALLOWED_LATENESS_MS + 2_000);
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));
        List<ModelStatus> afterC = JobOutputs.statusesUntil(bootstrap, harness.status,
                s -> JobOutputs.fromEverySubtask(s, PARALLELISM, st -> isRetirementOf(st, releaseV1)), Duration.ofSeconds(60));
        assertThat(JobOutputs.fromEverySubtask(afterC, PARALLELISM, st -> isRetirementOf(st, releaseV1)))
                .as("RETIRED v1 from every subtask; statuses: %s", afterC)
                .isTrue();
        assertThat(afterC).noneMatch(s -> isRetirementOf(s, releaseV2));
        assertThat(OnnxModelRunner.openRunners()).as("only v2 stays loaded, once per subtask").isEqualTo(PARALLELISM);
        awaitResults(harness, data.totalWindows());
        long phaseCWatermarkFloor = data.maxEventTime() - OUT_OF_ORDERNESS_MS - 100;
        assertThat(KafkaTestUtils.eventually(
                        () -> watermarksAtLeast(miniCluster, phaseCWatermarkFloor), Duration.ofSeconds(30)))
                .as("watermark of every subtask reaches %d", phaseCWatermarkFloor)
                .isTrue();

        // Phase D: readings far beyond the allowed lateness. Before T (v1, reloaded) on a device of
        // each subtask, after T (v2, still loaded) on another.
        List<long[]> lateBeyond = new ArrayList<>();
        Set<Integer> reloadingSubtasks = new HashSet<>();
        Set<Integer> v2LateDone = new HashSet<>();
        for (int d = 0; d < data.devices(); d++) {
            int subtask = RolloverAssertions.subtaskOf(TestingEventTimeReadings.deviceId(d), PARALLELISM);
            if (reloadingSubtasks.add(subtask)) {
                lateBeyond.add(new long[] {d, data.closeWindowAt(d, t - 2_000)});
            } else if (v2LateDone.add(subtask)) {
                lateBeyond.add(new long[] {d, data.closeWindowAt(d, t + 1_000)});
            }
        }
        assertThat(reloadingSubtasks).as("devices on every subtask").hasSize(PARALLELISM);
        long horizon = phaseCWatermarkFloor - ALLOWED_LATENESS_MS;
        for (long[] w : lateBeyond) {
            assertThat(data.windowEnd((int) w[0], w[1])).as("beyond the allowed lateness").isLessThan(horizon);
        }
        KafkaTestUtils.produceAll(bootstrap, data.drainRecords(harness.readings));

        // Every window exactly once, each scored by the timeline's version for its event time.
        List<SensorResult> results = JobOutputs.results(
                bootstrap, harness.results, data.totalWindows(), Duration.ofSeconds(60), Duration.ofSeconds(3));
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(results, data, timeline, model);
        for (SensorResult r : results) {
            assertThat(r.model()).as("side of T of %s", r).isEqualTo(r.windowEnd() < t ? releaseV1.modelId() : releaseV2.modelId());
        }
        assertThat(results).anyMatch(r -> r.windowEnd() == t - 1 && r.model().equals(releaseV1.modelId()));
        assertThat(results).anyMatch(r -> r.windowEnd() == t && r.model().equals(releaseV2.modelId()));
        for (long[] w : concat(lateWithin, lateBeyond)) {
            String device = TestingEventTimeReadings.deviceId((int) w[0]);
            assertThat(results).as("late window %s#%d", device, w[1])
                    .anyMatch(r -> r.deviceId().equals(device) && r.window() == w[1]);
        }

        // v1 was reloaded for the records beyond the lateness, after it had retired, on both subtasks.
        List<ModelStatus> statuses = JobOutputs.statusesUntil(bootstrap, harness.status,
                s -> JobOutputs.fromEverySubtask(s, PARALLELISM, st -> isReloadOf(st, releaseV1)), Duration.ofSeconds(30));
        for (int subtask = 0; subtask < PARALLELISM; subtask++) {
            int s = subtask;
            int retired = indexOf(statuses, st -> st.subtask() == s && isRetirementOf(st, releaseV1));
            int reloaded = indexOf(statuses, st -> st.subtask() == s && isReloadOf(st, releaseV1));
            assertThat(reloaded).as("subtask %d reloads v1 for the late record; statuses %s", s, statuses).isNotNegative();
            assertThat(reloaded).as("subtask %d reloads v1 after retiring it", s).isGreaterThan(retired);
        }
        assertThat(statuses).as("v2 was never reloaded").noneMatch(st -> isReloadOf(st, releaseV2));
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);
    }

    private boolean watermarksAtLeast(MiniCluster miniCluster, long floor) {
        try {
            List<Long> marks = JobWatermarks.inputWatermarks(miniCluster, job.getJobID(), WINDOWER_VERTEX);
            return marks.size() == PARALLELISM && marks.stream().allMatch(w -> w >= floor);
        } catch (Exception e) {
            return false;
        }
    }

    private static void awaitResults(SensorJobHarness harness, int expected) {
        List<SensorResult> results = JobOutputs.results(
                CLUSTER.bootstrapServers(), harness.results, expected, Duration.ofSeconds(60), Duration.ZERO);
        assertThat(results).as("results so far").hasSizeGreaterThanOrEqualTo(expected);
    }

    private static boolean isRetirementOf(ModelStatus status, ModelRelease release) {
        return status.state() == ModelStatus.State.RETIRED && release.sha256().equals(status.sha256());
    }

    private static boolean isReloadOf(ModelStatus status, ModelRelease release) {
        return status.state() == ModelStatus.State.STAGED
                && "RELOADED_FOR_LATE_RECORD".equals(status.reason())
                && release.sha256().equals(status.sha256());
    }

    private static int indexOf(List<ModelStatus> statuses, java.util.function.Predicate<ModelStatus> p) {
        for (int i = 0; i < statuses.size(); i++) {
            if (p.test(statuses.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static List<long[]> concat(List<long[]> a, List<long[]> b) {
        List<long[]> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}

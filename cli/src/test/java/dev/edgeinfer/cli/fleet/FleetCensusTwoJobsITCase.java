package dev.edgeinfer.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.cli.EdgeInferCli;
import dev.edgeinfer.cli.fleet.FleetCensus.Flag;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Two real sensor jobs, sites plant-1 and plant-2, on one broker with one control and one status
 * topic, and a release scoped to plant-1 only: each job scores by its own site's timeline, and
 * the census read back from the real topics lists both sites with what they serve, flags none of
 * them STALE (plant-2 is not behind a release that does not target it), flags plant-2 SILENT once
 * its job stops and clears the flag when it comes back.
 */
class FleetCensusTwoJobsITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    private static final Duration SILENT_AFTER = Duration.ofSeconds(15);

    @Test
    void eachSiteServesWhatTargetsItAndTheCensusListsBothFlagsTheStoppedSiteSilentAndClearsItWhenItReturns()
            throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        String model = v1.id().name();
        String bootstrap = CLUSTER.bootstrapServers();
        SensorJobHarness plant1 = site(SensorJobHarness.releasesOnly(CLUSTER, v1, 2), "plant-1");
        SensorJobHarness plant2 = site(SensorJobHarness.releasesOnly(CLUSTER, v1, 2), "plant-2");
        plant2.conf.set(KafkaJobOptions.CONTROL_TOPIC, plant1.control); // one control and one status topic
        plant2.conf.set(KafkaJobOptions.STATUS_TOPIC, plant1.status);
        String status = plant1.status;
        String control = plant1.control;

        long base = (System.currentTimeMillis() - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;
        long now = System.currentTimeMillis();
        ModelRelease release1 = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease release2 = ReleaseFactory.fromFile(model, v2.id().version(), v2.file(), base + 2_000, 100, "it",
                        now + 1)
                .toBuilder().targets(ReleaseTarget.of(List.of("plant-1"), List.of())).build();
        new ControlTopic(bootstrap, control).publish(release1);
        new ControlTopic(bootstrap, control).publish(release2);
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(release1, release2));

        SensorJobConfig config1 = plant1.config();
        SensorJobConfig config2 = plant2.config();
        TestingEventTimeReadings data1 = readings(config1, base, plant1.readings);
        TestingEventTimeReadings data2 = readings(config2, base, plant2.readings);
        CLUSTER.startJob("fleet-plant-1", env -> SensorAnomalyJob.build(env, config1));
        JobClient job2 = CLUSTER.startJob("fleet-plant-2", env -> SensorAnomalyJob.build(env, config2));

        // Each job resolves by its own site: plant-1 switches to v2 at base + 2 s, plant-2 stays on v1.
        List<SensorResult> results1 = JobOutputs.results(
                bootstrap, plant1.results, data1.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(1));
        List<SensorResult> results2 = JobOutputs.results(
                bootstrap, plant2.results, data2.totalWindows(), Duration.ofSeconds(90), Duration.ofSeconds(1));
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(
                results1, data1, timeline.forSite(SiteIdentity.of("plant-1")), model);
        RolloverAssertions.assertEveryWindowScoredOnceByTheTimelinesVersion(
                results2, data2, timeline.forSite(SiteIdentity.of("plant-2")), model);
        assertThat(results1).anyMatch(r -> r.model().equals(release2.modelId()));
        assertThat(results2).allMatch(r -> r.model().equals(release1.modelId()));

        // A heartbeat round of each site after all its results: what it serves now.
        long scoredBy = System.currentTimeMillis();
        List<ModelStatus> statuses = JobOutputs.statusesUntil(bootstrap, status,
                s -> beatAfter(s, "plant-1", scoredBy) && beatAfter(s, "plant-2", scoredBy), Duration.ofSeconds(60));
        assertThat(beatAfter(statuses, "plant-2", scoredBy)).as("heartbeats of both sites").isTrue();
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model);

        JsonNode census = fleetJson(status, control);
        assertThat(census.get("rows")).hasSize(2);
        assertThat(census.get("skipped").get("count").asLong()).isZero();
        JsonNode row1 = census.get("rows").get(0);
        JsonNode row2 = census.get("rows").get(1);
        assertThat(row1.get("site").asText()).isEqualTo("plant-1");
        assertThat(row1.get("serving").asText()).isEqualTo(v2.id().version());
        assertThat(row1.get("variant").asText()).isEqualTo(release2.sha256());
        assertThat(row1.get("expected").asText()).isEqualTo(v2.id().version());
        assertThat(row1.get("flags")).isEmpty();
        assertThat(row2.get("site").asText()).isEqualTo("plant-2");
        assertThat(row2.get("serving").asText()).isEqualTo(v1.id().version());
        assertThat(row2.get("expected").asText()).as("the release scoped to plant-1 is not plant-2's")
                .isEqualTo(v1.id().version());
        assertThat(row2.get("releasesBehind").asInt()).isZero();
        assertThat(row2.get("flags")).as("outside the site-scoped rollout is not STALE").isEmpty();

        // plant-2 stops: once plant-1 has reported after plant-2's last heartbeat, a census taken
        // silent-after past plant-2's last heartbeat flags plant-2 only.
        job2.cancel().get();
        long lastOf2 = lastBeat(JobOutputs.statuses(bootstrap, status), "plant-2");
        JobOutputs.statusesUntil(bootstrap, status, s -> beatAfter(s, "plant-1", lastOf2), Duration.ofSeconds(60));
        long silentAt = lastOf2 + SILENT_AFTER.toMillis() + 1;
        List<Row> rows = censusAt(status, control, silentAt);
        assertThat(rows).extracting(Row::site).containsExactly("plant-1", "plant-2");
        assertThat(rows.get(0).flags()).isEmpty();
        assertThat(rows.get(1).flags()).containsExactly(Flag.SILENT);

        // plant-2 comes back (a fresh start of its job): its next heartbeat clears the flag.
        CLUSTER.startJob("fleet-plant-2-again", env -> SensorAnomalyJob.build(env, config2));
        List<ModelStatus> back = JobOutputs.statusesUntil(
                bootstrap, status, s -> beatAfter(s, "plant-2", lastOf2), Duration.ofSeconds(60));
        long backAt = lastBeat(back, "plant-2");
        assertThat(backAt).as("a heartbeat of the restarted plant-2").isGreaterThan(lastOf2);
        rows = censusAt(status, control, Math.max(silentAt, backAt + 1));
        assertThat(rows.get(1).site()).isEqualTo("plant-2");
        assertThat(rows.get(1).flags()).doesNotContain(Flag.SILENT).doesNotContain(Flag.STALE);
        assertThat(rows.get(1).serving()).isEqualTo(v1.id().version());
    }

    private static SensorJobHarness site(SensorJobHarness harness, String site) {
        harness.conf.set(KafkaJobOptions.SITE_ID, site);
        harness.conf.set(KafkaJobOptions.PARALLELISM, 1);
        return harness;
    }

    /** 10 s of event time for 4 devices from {@code base}, produced before the job starts. */
    private static TestingEventTimeReadings readings(SensorJobConfig config, long base, String topic) throws Exception {
        TestingEventTimeReadings data =
                new TestingEventTimeReadings(4, config.channels(), config.windowSize(), config.windowSlide(), base, 1, 5L);
        data.addShuffledForAll(0, 100, 1);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.drainRecords(topic));
        return data;
    }

    private static Predicate<ModelStatus> heartbeatOf(String site) {
        return s -> s.state() == ModelStatus.State.HEARTBEAT && s.health() != null && s.site().equals(site);
    }

    private static boolean beatAfter(List<ModelStatus> statuses, String site, long after) {
        return statuses.stream().filter(heartbeatOf(site)).anyMatch(s -> s.at() > after);
    }

    private static long lastBeat(List<ModelStatus> statuses, String site) {
        return statuses.stream().filter(heartbeatOf(site)).mapToLong(ModelStatus::at).max().orElseThrow();
    }

    /** {@code edgeinfer fleet --json} against the real topics. */
    private static JsonNode fleetJson(String status, String control) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), "fleet", "--bootstrap",
                CLUSTER.bootstrapServers(), "--status-topic", status, "--control-topic", control, "--json");
        assertThat(code).as("%s%s", out, err).isZero();
        return JsonFields.MAPPER.readTree(out.toString());
    }

    /** The census read from the real topics, judged at {@code now}. */
    private static List<Row> censusAt(String status, String control, long now) {
        FleetCensus census = new FleetCensus(new FleetCensus.Policy(SILENT_AFTER, 0.01, 0.25));
        try (CensusReader reader = new CensusReader(CLUSTER.bootstrapServers(), status, control, census)) {
            assertThat(reader.catchUp(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(census.skipped().count()).isZero();
        return census.rows(now);
    }
}

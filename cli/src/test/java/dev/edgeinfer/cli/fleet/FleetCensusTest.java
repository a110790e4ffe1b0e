package dev.edgeinfer.cli.fleet;

import static dev.edgeinfer.testutils.TestingHeartbeats.DRIFTED;
import static dev.edgeinfer.testutils.TestingHeartbeats.MODEL;
import static dev.edgeinfer.testutils.TestingHeartbeats.beat;
import static dev.edgeinfer.testutils.TestingHeartbeats.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.cli.fleet.FleetCensus.Flag;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The census over synthetic status and control streams: serving versions, health, and every flag. */
class FleetCensusTest {

    private static final long NOW = 1_000_000;
    private static final Map<String, String> WAVE_1 = Map.of("wave", "1");
    private static final ModelRelease V1 = release("v1", 0, ReleaseTarget.ALL);
    private static final ModelRelease V2_WAVE_1 = release("v2", 1_000, ReleaseTarget.of(List.of(), List.of("wave=1")));

    private static FleetCensus census() {
        return census(FleetCensus.Policy.DEFAULTS);
    }

    private static FleetCensus census(FleetCensus.Policy policy) {
        FleetCensus census = new FleetCensus(policy);
        census.release(V1);
        census.release(V2_WAVE_1);
        return census;
    }

    private static Row row(List<Row> rows, String site) {
        return rows.stream().filter(r -> r.site().equals(site)).findFirst().orElseThrow();
    }

    @Test
    void sitesInTheWaveServeTheNewVersionHealthilyAndOnesLeftBehindOrSilentAreFlagged() {
        FleetCensus census = census();
        beat("plant-1", V2_WAVE_1, NOW - 5_000).labels(WAVE_1).into(census::status);
        beat("plant-2", V1, NOW - 5_000).labels(WAVE_1).into(census::status); // in the wave, left behind
        beat("plant-3", V1, NOW - 5_000).into(census::status); // not in the wave
        beat("plant-4", V1, NOW - 120_000).into(census::status); // silent

        List<Row> rows = census.rows(NOW);

        Row plant1 = row(rows, "plant-1");
        assertThat(plant1.serving()).isEqualTo("v2");
        assertThat(plant1.variant()).isEqualTo(V2_WAVE_1.sha256());
        assertThat(plant1.expected()).isEqualTo("v2");
        assertThat(plant1.flags()).isEmpty();
        assertThat(plant1.recordsPerSecond()).isEqualTo(400.0);
        assertThat(plant1.p99Micros()).isEqualTo(900L);
        assertThat(plant1.anomalyRate()).isEqualTo(0.01);
        assertThat(plant1.heartbeatAgeMillis()).isEqualTo(5_000);
        assertThat(plant1.subtasks()).isEqualTo(1);
        assertThat(row(rows, "plant-2").flags()).containsExactly(Flag.STALE);
        assertThat(row(rows, "plant-2").releasesBehind()).isEqualTo(1);
        assertThat(row(rows, "plant-2").expected()).isEqualTo("v2");
        assertThat(row(rows, "plant-3").flags()).as("outside the site-scoped release: not behind it").isEmpty();
        assertThat(row(rows, "plant-3").expected()).isEqualTo("v1");
        assertThat(row(rows, "plant-4").flags()).containsExactly(Flag.SILENT);
    }

    @Test
    void aDeprecatedVersionOrTooManyErrorsIsProblematicAndADriftedSiteIsDivergent() {
        FleetCensus census = census();
        census.advisory(new DeprecationAdvisory(MODEL, "v2", V2_WAVE_1.sha256(), "NaN scores", NOW, "t", 1, null, null));
        beat("plant-1", V2_WAVE_1, NOW - 1_000).labels(WAVE_1).into(census::status);
        for (String site : List.of("plant-5", "plant-6", "plant-7")) {
            beat(site, V1, NOW - 1_000).into(census::status);
        }
        beat("plant-8", V1, NOW - 1_000).bins(DRIFTED).into(census::status);
        beat("plant-9", V1, NOW - 1_000).errors(400).into(census::status);
        beat("plant-10", V1, NOW - 1_000).labels(WAVE_1).into(census::status); // rolled back from v2 by the advisory

        List<Row> rows = census.rows(NOW);

        assertThat(row(rows, "plant-1").flags()).containsExactly(Flag.PROBLEMATIC);
        assertThat(row(rows, "plant-8").flags()).containsExactly(Flag.DIVERGENT);
        assertThat(row(rows, "plant-9").flags()).containsExactly(Flag.PROBLEMATIC);
        assertThat(row(rows, "plant-9").errors()).isEqualTo(400);
        assertThat(row(rows, "plant-5").flags()).isEmpty();
        assertThat(row(rows, "plant-10").flags()).as("the previous good version is what it should serve").isEmpty();
        assertThat(row(rows, "plant-10").expected()).isEqualTo("v1");
    }

    @Test
    void severalJobsOfOneSiteAreRowsOfTheirOwnAndAClassifiersRateIsItsTopClass() {
        FleetCensus census = census();
        beat("plant-1", V1, NOW - 1_000).job("sensor").into(census::status);
        beat("plant-1", V1, NOW - 1_000).job("sensor").subtask(1).into(census::status);
        beat("plant-1", V1, NOW - 2_000).job("frames").classes(Map.of(3, 3_000L, 7, 1_000L)).into(census::status);

        List<Row> rows = census.rows(NOW);

        assertThat(rows).extracting(Row::job).containsExactly("frames", "sensor");
        assertThat(rows.get(1).subtasks()).isEqualTo(2);
        assertThat(rows.get(1).recordsPerSecond()).isEqualTo(800.0);
        assertThat(rows.get(1).topClass()).isNull();
        assertThat(rows.get(0).topClass()).isEqualTo(3);
        assertThat(rows.get(0).topClassRate()).isEqualTo(0.75);
    }

    @Test
    void aSiteThatComesBackAfterBeingSilentShowsOnlyWhatItReportsNow() {
        FleetCensus census = census();
        beat("plant-1", V1, NOW - 300_000).labels(WAVE_1).into(census::status);
        beat("plant-1", V1, NOW - 300_000).labels(WAVE_1).subtask(1).into(census::status);
        beat("plant-1", V2_WAVE_1, NOW - 300_000).labels(WAVE_1).scored(0).into(census::status); // staged then
        assertThat(census.rows(NOW).get(0).flags()).contains(Flag.SILENT);

        // It comes back after a restart with one subtask, on v2.
        beat("plant-1", V2_WAVE_1, NOW - 2_000).labels(WAVE_1).scored(1_000).into(census::status);

        Row back = census.rows(NOW).get(0);
        assertThat(back.flags()).isEmpty();
        assertThat(back.serving()).isEqualTo("v2");
        assertThat(back.staged()).as("the round before the silence is gone").isEmpty();
        assertThat(back.subtasks()).as("subtask 1 did not report within silent-after of the others").isEqualTo(1);
        assertThat(back.recordsPerSecond()).isEqualTo(100.0);
    }

    @Test
    void anIdleSiteServesTheNewestActiveVersionItHoldsAndAStagedOneIsListed() {
        FleetCensus census = census();
        ModelRelease v3 = release("v3", NOW + 60_000, ReleaseTarget.ALL);
        census.release(v3);
        beat("plant-1", V1, NOW - 1_000).labels(WAVE_1).scored(0).into(census::status);
        beat("plant-1", V2_WAVE_1, NOW - 1_000).labels(WAVE_1).scored(0).into(census::status);
        beat("plant-1", v3, NOW - 1_000).labels(WAVE_1).scored(0).into(census::status);

        Row row = census.rows(NOW).get(0);

        assertThat(row.serving()).isEqualTo("v2");
        assertThat(row.staged()).containsExactly("v1", "v3");
        assertThat(row.flags()).isEmpty();
    }

    @Test
    void aSiteMidRolloverHoldingTheNewVersionIsNotStaleButOneThatNeverLoadedItIs() {
        FleetCensus census = census();
        ModelRelease v3 = release("v3", NOW - 3_000, ReleaseTarget.ALL); // within the last interval
        census.release(v3);
        beat("plant-1", V1, NOW).into(census::status);
        beat("plant-1", v3, NOW).scored(1_000).into(census::status);
        beat("plant-2", V1, NOW).into(census::status);

        List<Row> rows = census.rows(NOW);

        assertThat(row(rows, "plant-1").serving()).isEqualTo("v1");
        assertThat(row(rows, "plant-1").flags()).isEmpty();
        assertThat(row(rows, "plant-2").flags()).containsExactly(Flag.STALE);
    }

    @Test
    void staleIsJudgedAtTheSitesWatermarkSoAReplayingSiteIsHeldToTheReleasesOfItsTime() {
        FleetCensus census = census();
        census.release(release("v3", NOW - 100_000, ReleaseTarget.ALL));
        beat("plant-1", V1, NOW).watermarkLag(200_000L).into(census::status); // replaying data from before v3

        assertThat(census.rows(NOW).get(0).flags()).isEmpty();
        assertThat(census.rows(NOW).get(0).expected()).isEqualTo("v1");
    }

    @Test
    void aCanaryNeverMakesASiteStaleAndIsShownWithItsShare() {
        FleetCensus census = census();
        census.release(release("v3", NOW - 50_000, ReleaseTarget.ALL).toBuilder().canaryPercent(10).build());
        beat("plant-1", V1, NOW).into(census::status);

        Row row = census.rows(NOW).get(0);

        assertThat(row.flags()).isEmpty();
        assertThat(row.canary()).isEqualTo("v3");
        assertThat(row.canaryPercent()).isEqualTo(10);
    }

    @Test
    void withAThresholdOfTwoReleasesOneBehindIsStaleOnlyAfterTheStaleAge() {
        FleetCensus.Policy policy =
                new FleetCensus.Policy(Duration.ofSeconds(60), 0.01, 0.25, 2, Duration.ofSeconds(100), 64);
        FleetCensus census = census(policy);
        beat("plant-1", V1, NOW).labels(WAVE_1).watermarkLag(0L).into(census::status);
        assertThat(census.rows(NOW).get(0).flags()).as("v2 activated 999 s ago").containsExactly(Flag.STALE);

        FleetCensus recent = new FleetCensus(policy);
        recent.release(V1);
        recent.release(release("v2", NOW - 50_000, ReleaseTarget.ALL));
        beat("plant-1", V1, NOW).watermarkLag(0L).into(recent::status);
        assertThat(recent.rows(NOW).get(0).releasesBehind()).isEqualTo(1);
        assertThat(recent.rows(NOW).get(0).flags()).as("one behind for 50 s").isEmpty();

        recent.release(release("v3", NOW - 40_000, ReleaseTarget.ALL));
        assertThat(recent.rows(NOW).get(0).flags()).as("two behind").containsExactly(Flag.STALE);
    }

    @Test
    void aShadowsAgreementIsAgreedOverComparedAcrossTheSubtasksLatestHeartbeats() {
        FleetCensus census = census();
        ModelRelease v3 = release("v3", 2_000, ReleaseTarget.ALL);
        beat("plant-9", V1, NOW - 1_000).into(census::status);
        beat("plant-9", v3, NOW - 1_000).subtask(0).agreement("v1", 1_000, 900).into(census::status);
        beat("plant-9", v3, NOW - 1_000).subtask(1).agreement("v1", 3_000, 2_100).into(census::status);

        Row row = census.rows(NOW).get(0);

        assertThat(row.serving()).isEqualTo("v1");
        assertThat(row.shadow()).isEqualTo("v3");
        assertThat(row.shadowAgreement()).isEqualTo(3_000.0 / 4_000);
        assertThat(CensusOutput.json(List.of(row), census.skipped(), NOW).get("rows").get(0).get("shadowAgreement")
                .asDouble()).isEqualTo(0.75);
    }

    @Test
    void aShadowVersionIsShownButNeitherServesNorCountsInTheRowsHealth() {
        FleetCensus census = census();
        ModelRelease v3 = release("v3", 2_000, ReleaseTarget.ALL);
        beat("plant-1", V1, NOW - 1_000).into(census::status);
        beat("plant-1", v3, NOW - 1_000).scored(4_000).errors(4_000).shadow().into(census::status);

        Row row = census.rows(NOW).get(0);

        assertThat(row.serving()).isEqualTo("v1");
        assertThat(row.shadow()).isEqualTo("v3");
        assertThat(row.staged()).isEmpty();
        assertThat(row.recordsPerSecond()).isEqualTo(400.0);
        assertThat(row.errors()).as("the shadow's failures are its own").isZero();
        assertThat(row.flags()).isEmpty();
    }
}

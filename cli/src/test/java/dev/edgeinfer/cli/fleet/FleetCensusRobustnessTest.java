package dev.edgeinfer.cli.fleet;

import static dev.edgeinfer.testutils.TestingHeartbeats.MODEL;
import static dev.edgeinfer.testutils.TestingHeartbeats.beat;
import static dev.edgeinfer.testutils.TestingHeartbeats.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.cli.fleet.FleetCensus.Flag;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The census never breaks on what the topics hold: bad status records are counted by reason and
 * skipped, and a long control-topic history is held in bounded memory without changing answers.
 */
class FleetCensusRobustnessTest {

    private static final long NOW = 10_000_000;
    private static final ModelRelease V1 = release("v1", 0, ReleaseTarget.ALL);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode goodBeat() throws Exception {
        return (ObjectNode) JsonFields.MAPPER.readTree(beat("plant-1", V1, NOW - 1_000).json());
    }

    @Test
    void everyKindOfBadStatusRecordIsCountedByReasonAndSkippedWhileGoodOnesCount() throws Exception {
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
        census.release(V1);
        ObjectNode futureSchema = goodBeat().put("schema", 2);
        ObjectNode unknownState = goodBeat().put("state", "HIBERNATING");
        ObjectNode noSite = goodBeat();
        noSite.remove("site");
        ObjectNode fewBins = goodBeat();
        ((ObjectNode) fewBins.get("health")).putArray("scoreBins").add(1).add(2);
        ObjectNode negativeCount = goodBeat();
        ((ObjectNode) negativeCount.get("health")).put("scored", -5);
        ObjectNode unknownFields = goodBeat().put("site", "plant-2").put("shadowVersion", "v9");
        ((ObjectNode) unknownFields.get("health")).put("agreement", 0.98).putObject("future").put("x", 1);

        census.status(utf8("{not json"), "s/0@1");
        census.status(utf8(""), "s/0@2");
        census.status(null, "s/0@3");
        census.status(utf8("[1,2,3]"), "s/0@4");
        census.status(JsonFields.MAPPER.writeValueAsBytes(futureSchema), "s/0@5");
        census.status(JsonFields.MAPPER.writeValueAsBytes(unknownState), "s/0@6");
        census.status(JsonFields.MAPPER.writeValueAsBytes(noSite), "s/0@7");
        census.status(JsonFields.MAPPER.writeValueAsBytes(fewBins), "s/0@8");
        census.status(JsonFields.MAPPER.writeValueAsBytes(negativeCount), "s/0@9");
        census.status(JsonFields.MAPPER.writeValueAsBytes(unknownFields), "s/1@1");
        beat("plant-1", V1, NOW - 1_000).into(census::status);
        census.status(ModelStatusJson.toJson(ModelStatus.heartbeat("plant-0", "sensor", 0, V1, 10, NOW)), "older build");

        FleetCensus.Skipped skipped = census.skipped();
        assertThat(skipped.count()).isEqualTo(9);
        assertThat(skipped.byReason()).containsEntry("MALFORMED_JSON", 3L).containsEntry("TOMBSTONE", 1L)
                .containsEntry("UNSUPPORTED_SCHEMA", 1L);
        assertThat(skipped.byReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(9);
        assertThat(skipped.examples()).extracting(FleetCensus.SkippedRecord::where)
                .containsExactly("s/0@1", "s/0@2", "s/0@3", "s/0@4", "s/0@5", "s/0@6", "s/0@7", "s/0@8", "s/0@9");
        assertThat(skipped.examples()).allSatisfy(e -> assertThat(e.detail()).isNotBlank());
        assertThat(census.badRecords().get(0)).startsWith("s/0@1: MALFORMED_JSON");
        assertThat(census.rows(NOW)).as("unknown fields are read past; a heartbeat without health is not counted")
                .extracting(Row::site).containsExactly("plant-1", "plant-2");
    }

    @Test
    void randomBytesOnTheStatusTopicAreSkippedAndNeverThrow() {
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
        Random rnd = new Random(20261130L);
        byte[] good = beat("plant-1", V1, NOW - 1_000).json();
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[rnd.nextInt(64)];
                rnd.nextBytes(bytes);
            } else { // a good record cut short or with a byte changed
                bytes = java.util.Arrays.copyOf(good, 1 + rnd.nextInt(good.length - 1));
                bytes[rnd.nextInt(bytes.length)] = (byte) rnd.nextInt(128);
            }
            census.status(bytes, "fuzz@" + i);
        }
        assertThat(census.skipped().count()).isGreaterThan(n / 2);
        assertThat(census.skipped().examples()).hasSize(FleetCensus.MAX_EXAMPLES);
        census.rows(NOW); // whatever parsed still makes rows
    }

    @Test
    void aSiteStartingFreshOnALongControlHistoryIsJudgedAgainstItsNewestReleaseInBoundedMemory() {
        long watermark = 4_500_000; // 4500 releases in the past, 500 scheduled
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS, () -> watermark + 1_000);
        List<ReleaseTarget> targets = List.of(ReleaseTarget.ALL, ReleaseTarget.of(List.of("plant-1"), List.of()),
                ReleaseTarget.of(List.of(), List.of("wave=1")), ReleaseTarget.of(List.of("plant-9"), List.of()));
        Random rnd = new Random(7L);
        List<ModelRelease> all = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ModelRelease r = release("v" + i, 1_000L * i, targets.get(rnd.nextInt(targets.size())));
            all.add(rnd.nextInt(10) == 0 ? r.toBuilder().canaryPercent(10).build() : r);
        }
        List<ModelRelease> arrival = new ArrayList<>(all);
        arrival.addAll(all.subList(4_000, 4_100)); // read again: duplicates
        arrival.forEach(census::release);
        SiteIdentity plant1 = new SiteIdentity("plant-1", Map.of("wave", "1"));
        SiteIdentity plant2 = SiteIdentity.of("plant-2");
        ModelRelease newestForPlant1 = naiveNewest(all, plant1, watermark);
        ModelRelease newestForPlant2 = naiveNewest(all, plant2, watermark);
        ModelRelease olderForPlant2 = all.stream().filter(r -> !r.isCanary() && plant2.accepts(r)
                && r.activateAt() < newestForPlant2.activateAt()).max(Comparator.comparingLong(ModelRelease::activateAt))
                .orElseThrow();

        beat("plant-1", newestForPlant1, watermark + 500).labels(plant1.labels()).into(census::status);
        beat("plant-2", olderForPlant2, watermark + 500).into(census::status);
        List<Row> rows = census.rows(watermark + 1_000);

        assertThat(census.retainedReleases()).as("the scheduled ones, and per target and kind the newest past ones")
                .isLessThanOrEqualTo(500 + targets.size() * 2 * FleetCensus.Policy.DEFAULTS.keepReleasesPerTarget());
        assertThat(rows.get(0).expected()).isEqualTo(newestForPlant1.version());
        assertThat(rows.get(0).flags()).isEmpty();
        assertThat(rows.get(1).expected()).isEqualTo(newestForPlant2.version());
        assertThat(rows.get(1).releasesBehind()).isEqualTo(1);
        assertThat(rows.get(1).flags()).containsExactly(Flag.STALE);
    }

    @Test
    void aSiteReplayingDataOlderThanTheKeptHistoryGetsNoExpectedVersionRatherThanAWrongOne() {
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS, () -> 10_000_000L);
        for (int i = 0; i < 1_000; i++) {
            census.release(release("v" + i, 1_000L * i, ReleaseTarget.ALL));
        }
        beat("plant-1", release("v3", 3_000, ReleaseTarget.ALL), 100_000).watermarkLag(96_000L).into(census::status);

        Row row = census.rows(100_000).get(0);

        assertThat(row.expected()).isNull();
        assertThat(row.flags()).isEmpty();
    }

    /** The newest full release for {@code site} by {@code t}, read off the whole history. */
    private static ModelRelease naiveNewest(List<ModelRelease> all, SiteIdentity site, long t) {
        return all.stream().filter(r -> r.model().equals(MODEL) && !r.isCanary() && site.accepts(r) && r.activateAt() <= t)
                .max(ModelRelease.ORDER).orElseThrow();
    }
}

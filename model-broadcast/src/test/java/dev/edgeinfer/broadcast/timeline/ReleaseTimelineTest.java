package dev.edgeinfer.broadcast.timeline;

import static dev.edgeinfer.broadcast.testutils.Releases.canary;
import static dev.edgeinfer.broadcast.testutils.Releases.full;
import static dev.edgeinfer.broadcast.testutils.Releases.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

class ReleaseTimelineTest {

    private static final String M = "sensor-anomaly";

    private static String version(ReleaseTimeline t, long time, String key) {
        return t.resolve(M, time, key).map(ModelRelease::version).orElse(null);
    }

    /** A key whose bucket satisfies the predicate (searching k0, k1, ...). */
    private static String keyWithBucket(java.util.function.IntPredicate p) {
        for (int i = 0; ; i++) {
            if (p.test(ReleaseTimeline.bucket("k" + i))) {
                return "k" + i;
            }
        }
    }

    @Test
    void recordsBeforeTheFirstActivationResolveToEmpty() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(full(M, "v1", 1_000)));
        assertThat(t.resolve(M, 999, "k")).isEmpty();
        assertThat(t.resolve(M, Long.MIN_VALUE, "k")).isEmpty();
        assertThat(t.resolve("other-model", 5_000, "k")).isEmpty();
        assertThat(ReleaseTimeline.empty().resolve(M, 0, "k")).isEmpty();
    }

    @Test
    void theBoundaryBelongsToTheNewVersion() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(full(M, "v1", 0), full(M, "v2", 1_000)));
        assertThat(version(t, 999, "k")).isEqualTo("v1");
        assertThat(version(t, 1_000, "k")).isEqualTo("v2");
        assertThat(version(t, Long.MAX_VALUE, "k")).isEqualTo("v2");
    }

    @Test
    void rollbackIsAnActivationOfTheOlderVersionAtALaterTime() {
        ModelRelease v1 = full(M, "v1", 0);
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, full(M, "v2", 1_000), v1.toBuilder().activateAt(2_000).build()));
        assertThat(version(t, 500, "k")).isEqualTo("v1");
        assertThat(version(t, 1_999, "k")).isEqualTo("v2");
        assertThat(version(t, 2_000, "k")).isEqualTo("v1");
        assertThat(t.resolve(M, 2_000, "k").orElseThrow().activateAt()).isEqualTo(2_000);
        assertThat(t.activations(M)).extracting(ModelRelease::activateAt).containsExactly(0L, 1_000L, 2_000L);
    }

    @Test
    void tiesOnActivateAtAreWonByTheLaterPublishedAt() {
        ModelRelease early = release(M, "v9", 1_000).publishedAt(10).build();
        ModelRelease late = release(M, "v2", 1_000).publishedAt(20).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(late, early));
        assertThat(version(t, 1_000, "k")).isEqualTo("v2");
        assertThat(t.activations(M)).containsExactly(early, late);
    }

    @Test
    void tiesOnActivateAtAndPublishedAtAreWonByTheGreaterVersionThenSha() {
        ModelRelease a = release(M, "v1", 1_000).build();
        ModelRelease b = release(M, "v2", 1_000).build();
        assertThat(version(ReleaseTimeline.of(List.of(b, a)), 1_000, "k")).isEqualTo("v2");
        ModelRelease s1 = release(M, "v1", 1_000).sha256("1".repeat(64)).build();
        ModelRelease s2 = release(M, "v1", 1_000).sha256("2".repeat(64)).build();
        assertThat(ReleaseTimeline.of(List.of(s2, s1)).resolve(M, 1_000, "k")).contains(s2);
        assertThat(ReleaseTimeline.of(List.of(s1, s2)).resolve(M, 1_000, "k")).contains(s2);
    }

    @Test
    void duplicateDeliveriesAreIdempotent() {
        ModelRelease v1 = full(M, "v1", 0);
        ModelRelease v2 = full(M, "v2", 1_000);
        ReleaseTimeline once = ReleaseTimeline.of(List.of(v1, v2));
        ReleaseTimeline many = ReleaseTimeline.of(List.of(v2, v1, v2, v1, v1)).with(v2).with(v1);
        assertThat(many).isEqualTo(once);
        assertThat(many.size()).isEqualTo(2);
        assertThat(many.activations(M)).containsExactly(v1, v2);
    }

    @Test
    void aRepublishUnderTheSameReleaseIdKeepsTheLaterPublishedAtWhateverTheOrder() {
        ModelRelease first = canary(M, "v2", 1_000, 10).toBuilder().publishedAt(5).build();
        ModelRelease republished = first.toBuilder().canaryPercent(50).publishedAt(6).build();
        assertThat(first.releaseId()).isEqualTo(republished.releaseId());
        assertThat(ReleaseTimeline.of(List.of(first, republished)).release(first.releaseId())).contains(republished);
        assertThat(ReleaseTimeline.of(List.of(republished, first)).release(first.releaseId())).contains(republished);
    }

    @Test
    void withAndWithoutReturnNewTimelinesAndLeaveTheOriginalUntouched() {
        ModelRelease v1 = full(M, "v1", 0);
        ModelRelease v2 = full(M, "v2", 1_000);
        ReleaseTimeline base = ReleaseTimeline.of(List.of(v1));
        ReleaseTimeline added = base.with(v2);
        assertThat(version(base, 2_000, "k")).isEqualTo("v1");
        assertThat(version(added, 2_000, "k")).isEqualTo("v2");
        ReleaseTimeline rejected = added.without(r -> r.version().equals("v2"));
        assertThat(version(rejected, 2_000, "k")).isEqualTo("v1");
        assertThat(version(added, 2_000, "k")).isEqualTo("v2");
        assertThat(added.without(r -> false)).isSameAs(added);
    }

    @Test
    void modelsAreIndependent() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(full("a", "a1", 0), full("b", "b1", 500), full("a", "a2", 1_000)));
        assertThat(t.models()).containsExactly("a", "b");
        assertThat(t.resolve("a", 600, "k").map(ModelRelease::version)).contains("a1");
        assertThat(t.resolve("b", 600, "k").map(ModelRelease::version)).contains("b1");
        assertThat(t.resolve("b", 499, "k")).isEmpty();
    }

    @Test
    void canaryKeysBelowThePercentGetTheCanaryAndTheRestKeepTheBaseFullVersion() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(full(M, "v1", 0), canary(M, "v2", 1_000, 30)));
        String inCanary = keyWithBucket(b -> b < 30);
        String outside = keyWithBucket(b -> b >= 30);
        assertThat(version(t, 1_000, inCanary)).isEqualTo("v2");
        assertThat(version(t, 1_000, outside)).isEqualTo("v1");
        assertThat(version(t, 999, inCanary)).isEqualTo("v1");
        for (int i = 0; i < 1_000; i++) {
            String key = "device-" + i;
            String expected = ReleaseTimeline.bucket(key) < 30 ? "v2" : "v1";
            assertThat(version(t, 5_000, key)).as(key).isEqualTo(expected).isEqualTo(version(t, 1_000, key));
        }
    }

    @Test
    void theCanaryBaseIsTheLatestFullActivationNotAnEarlierCanary() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(
                full(M, "v1", 0), canary(M, "v2", 1_000, 10), full(M, "v3", 2_000), canary(M, "v4", 3_000, 10),
                canary(M, "v5", 4_000, 20)));
        String outside = keyWithBucket(b -> b >= 20);
        assertThat(version(t, 1_500, outside)).isEqualTo("v1");
        assertThat(version(t, 3_500, outside)).isEqualTo("v3");
        assertThat(version(t, 4_500, outside)).isEqualTo("v3");
        String inside = keyWithBucket(b -> b < 10);
        assertThat(version(t, 4_500, inside)).isEqualTo("v5");
    }

    @Test
    void aCanaryWithoutAnyEarlierFullActivationAppliesToAllKeys() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(canary(M, "v1", 1_000, 5)));
        assertThat(version(t, 1_000, keyWithBucket(b -> b >= 5))).isEqualTo("v1");
        assertThat(version(t, 999, "k")).isNull();
    }

    @Test
    void canarySharesAreCloseToThePercentOverManyKeys() {
        int n = 20_000;
        for (int p : new int[] {1, 5, 10, 25, 50, 90, 99}) {
            ReleaseTimeline t = ReleaseTimeline.of(List.of(full(M, "base", 0), canary(M, "canary", 10, p)));
            int inCanary = 0;
            for (int i = 0; i < n; i++) {
                if ("canary".equals(version(t, 10, "sensor-" + i))) {
                    inCanary++;
                }
            }
            double mean = n * p / 100.0;
            double sd = Math.sqrt(n * (p / 100.0) * (1 - p / 100.0));
            // 5 standard deviations: a correct hash fails this with probability ~1e-6 per share.
            assertThat((double) inCanary).as("p=%d", p).isBetween(mean - 5 * sd, mean + 5 * sd);
        }
    }

    @Test
    void bucketValuesArePinnedAcrossJvmsAndReleases() {
        // Changing these moves keys between canary and base: a breaking change of the contract.
        // Values computed independently (a Python transcription of the documented algorithm).
        Map<String, Integer> pinned = new TreeMap<>();
        pinned.put("", 23);
        pinned.put("device-1", 2);
        pinned.put("device-2", 75);
        pinned.put("cam-42", 29);
        pinned.put("\u00dcn\u00efc\u00f8d\u00e9-\u03ba\u03bb\u03b5\u03b9\u03b4\u03af", 73);
        pinned.forEach((key, bucket) -> assertThat(ReleaseTimeline.bucket(key)).as(key).isEqualTo(bucket));
        assertThat(ReleaseTimeline.bucket(null)).isEqualTo(ReleaseTimeline.bucket(""));
    }

    @Test
    void bucketIsAlwaysInZeroToNinetyNine() {
        for (int i = 0; i < 100_000; i++) {
            assertThat(ReleaseTimeline.bucket(Integer.toString(i, 36))).isBetween(0, 99);
        }
    }

    @Test
    void nextActivationAfterSkipsTieLosersAndReturnsEmptyAtTheEnd() {
        ModelRelease loser = release(M, "v2", 1_000).publishedAt(1).build();
        ModelRelease winner = release(M, "v3", 1_000).publishedAt(2).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(full(M, "v1", 0), loser, winner));
        assertThat(t.nextActivationAfter(M, -1)).map(ModelRelease::version).contains("v1");
        assertThat(t.nextActivationAfter(M, 0)).contains(winner);
        assertThat(t.nextActivationAfter(M, 999)).contains(winner);
        assertThat(t.nextActivationAfter(M, 1_000)).isEmpty();
        assertThat(t.nextActivationAfter("nope", 0)).isEmpty();
    }

    @Test
    void neededReleasesDropFullySupersededOnesButKeepWhatLateRecordsNeed() {
        ModelRelease v1 = full(M, "v1", 0);
        ModelRelease v2 = full(M, "v2", 1_000);
        ModelRelease v3 = full(M, "v3", 2_000);
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, v2, v3));
        assertThat(t.neededReleaseIds(Long.MIN_VALUE, 0)).containsExactlyInAnyOrder(v1.releaseId(), v2.releaseId(), v3.releaseId());
        assertThat(t.neededReleaseIds(1_500, 0)).containsExactlyInAnyOrder(v2.releaseId(), v3.releaseId());
        assertThat(t.neededReleaseIds(2_500, 600)).containsExactlyInAnyOrder(v2.releaseId(), v3.releaseId());
        assertThat(t.neededReleaseIds(2_500, 500)).containsExactly(v3.releaseId());
        assertThat(t.neededReleaseIds(Long.MAX_VALUE, 0)).containsExactly(v3.releaseId());
        assertThat(t.neededReleaseIds(Long.MIN_VALUE + 5, Long.MAX_VALUE)).hasSize(3);
    }

    @Test
    void neededReleasesKeepACanarysBaseAndDropTieLosers() {
        ModelRelease v1 = full(M, "v1", 0);
        ModelRelease loser = release(M, "vx", 1_000).canaryPercent(50).publishedAt(1).build();
        ModelRelease canary = release(M, "v2", 1_000).canaryPercent(10).publishedAt(2).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, loser, canary));
        assertThat(t.neededReleaseIds(5_000, 0)).containsExactlyInAnyOrder(v1.releaseId(), canary.releaseId());
        assertThat(t.neededReleaseIds(0, 0)).doesNotContain(loser.releaseId());
    }

    @Test
    void aFullActivationThatLosesATieToACanaryIsThatCanarysBase() {
        // "latest full activation with activateAt <= the canary's, the canary excluded" includes a
        // full release at the same activateAt that sorts before the canary.
        ModelRelease v1 = full(M, "v1", 0);
        ModelRelease sameTimeFull = release(M, "v2", 1_000).publishedAt(1).build();
        ModelRelease canary = release(M, "v3", 1_000).canaryPercent(10).publishedAt(2).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, sameTimeFull, canary));
        assertThat(version(t, 1_000, keyWithBucket(b -> b >= 10))).isEqualTo("v2");
        assertThat(version(t, 1_000, keyWithBucket(b -> b < 10))).isEqualTo("v3");
        assertThat(t.neededReleaseIds(5_000, 0)).containsExactlyInAnyOrder(sameTimeFull.releaseId(), canary.releaseId());
    }

    @Test
    void negativeLatenessIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> ReleaseTimeline.empty().neededReleaseIds(0, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void nullReleasesAreRefused() {
        List<ModelRelease> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> ReleaseTimeline.of(withNull)).isInstanceOf(NullPointerException.class);
    }
}

package dev.edgeinfer.broadcast.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ReleaseTimeline#resolveShadow}: which version scores a record beside the serving one. */
class ShadowResolutionTest {

    private static final String M = "sensor-anomaly";
    private final ModelRelease v1 = Releases.full(M, "v1", 0);
    private final ModelRelease v2Shadow = Releases.release(M, "v2", 1_000).shadow(true).build();
    private final ModelRelease v2 = Releases.full(M, "v2", 3_000);

    private static Optional<String> shadowVersion(ReleaseTimeline t, long time, String key) {
        return t.resolveShadow(M, time, key).map(ModelRelease::version);
    }

    @Test
    void aShadowActivationNeverChangesWhatServes() {
        ReleaseTimeline without = ReleaseTimeline.of(List.of(v1, v2));
        ReleaseTimeline with = without.with(v2Shadow);
        for (long t = -1; t < 4_000; t += 250) {
            assertThat(with.resolve(M, t, "dev-1")).as("t=%d", t).isEqualTo(without.resolve(M, t, "dev-1"));
        }
        assertThat(with.activations(M)).containsExactly(v1, v2);
        assertThat(with.shadowActivations(M)).containsExactly(v2Shadow);
        assertThat(with.releases()).contains(v2Shadow);
    }

    @Test
    void aShadowScoresFromItsActivationUntilTheNextServingActivation() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, v2Shadow, v2));
        assertThat(shadowVersion(t, 999, "dev-1")).isEmpty();
        assertThat(shadowVersion(t, 1_000, "dev-1")).contains("v2");
        assertThat(shadowVersion(t, 2_999, "dev-1")).contains("v2");
        assertThat(shadowVersion(t, 3_000, "dev-1")).as("promoted: the serving activation ends the shadow").isEmpty();
    }

    @Test
    void aLaterShadowReplacesAnEarlierOneAndAServingActivationAtTheSameTimeDoesNotEndIt() {
        ModelRelease v3Shadow = Releases.release(M, "v3", 2_000).shadow(true).build();
        ModelRelease v1Again = Releases.release(M, "v1", 2_000).publishedAt(2_000).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, v2Shadow, v3Shadow, v1Again));
        assertThat(shadowVersion(t, 1_500, "k")).contains("v2");
        assertThat(shadowVersion(t, 2_000, "k")).contains("v3");
        assertThat(t.resolve(M, 2_000, "k")).contains(v1Again);
    }

    @Test
    void aVersionNeverShadowsItself() {
        ModelRelease v1Shadow = Releases.release(M, "v1", 1_000).shadow(true).build();
        assertThat(ReleaseTimeline.of(List.of(v1, v1Shadow)).resolveShadow(M, 1_500, "k")).isEmpty();
    }

    @Test
    void aShadowWithAShareScoresOnlyTheKeysInItsBuckets() {
        ModelRelease tenPercent = v2Shadow.toBuilder().canaryPercent(10).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, tenPercent));
        int shadowed = 0;
        for (int i = 0; i < 1_000; i++) {
            String key = "dev-" + i;
            Optional<ModelRelease> s = t.resolveShadow(M, 1_500, key);
            assertThat(s.isPresent()).as(key).isEqualTo(ReleaseTimeline.bucket(key) < 10);
            shadowed += s.isPresent() ? 1 : 0;
        }
        assertThat(shadowed).isBetween(50, 150);
    }

    @Test
    void aSiteScopedShadowAppliesOnlyAtItsSites() {
        ModelRelease plant1 = v2Shadow.toBuilder().targets(ReleaseTarget.of(List.of(), List.of("wave=1"))).build();
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, plant1));
        assertThat(t.resolveShadow(M, 1_500, "k", new SiteIdentity("plant-1", Map.of("wave", "1")))).contains(plant1);
        assertThat(t.resolveShadow(M, 1_500, "k", SiteIdentity.of("plant-2"))).isEmpty();
    }

    @Test
    void neededShadowIdsKeepAShadowUntilTheWatermarkPassesItsEnd() {
        ReleaseTimeline t = ReleaseTimeline.of(List.of(v1, v2Shadow, v2));
        assertThat(t.neededShadowIds(0, 0)).containsExactly(v2Shadow.releaseId());
        assertThat(t.neededShadowIds(2_999, 0)).containsExactly(v2Shadow.releaseId());
        assertThat(t.neededShadowIds(3_000, 0)).isEmpty();
        assertThat(t.neededShadowIds(3_500, 1_000)).containsExactly(v2Shadow.releaseId());
        assertThat(t.neededReleaseIds(Long.MIN_VALUE, 0)).doesNotContain(v2Shadow.releaseId());
    }
}

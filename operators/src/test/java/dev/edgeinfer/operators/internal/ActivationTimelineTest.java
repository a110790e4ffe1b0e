package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

class ActivationTimelineTest {

    private static final String MODEL = "sensor-anomaly";

    private static final ModelRelease V1 = release("v1", 0, "1");
    private static final ModelRelease V2 = release("v2", 1_000, "2");
    private static final ModelRelease V3 = release("v3", 1_200, "3");

    @Test
    void recordsResolveToTheReleaseActiveAtTheirEventTimeWhateverTheOrderReleasesArrivedIn() {
        ActivationTimeline inOrder = timeline(V1, V2);
        ActivationTimeline reversed = new ActivationTimeline(MODEL);
        reversed.add(V2);
        reversed.add(V1);

        for (ActivationTimeline t : List.of(inOrder, reversed)) {
            assertThat(version(t, 999)).isEqualTo("v1");
            assertThat(version(t, 1_000)).isEqualTo("v2");
            assertThat(t.resolve(-1, "dev-a")).as("before every activation").isEmpty();
        }
    }

    @Test
    void aReleaseForOtherSitesIsHeldButNeverResolvedStagedOrNeededAndAMatchingLabelAppliesIt() {
        SiteIdentity plant = new SiteIdentity("plant-1", Map.of("wave", "1"));
        ModelRelease otherSites = V2.toBuilder()
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of("plant-2"), List.of("wave=2")))
                .build();
        ModelRelease wave1 = V3.toBuilder()
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of(), List.of("wave=1")))
                .build();
        ActivationTimeline t = new ActivationTimeline(MODEL, plant);
        t.addAll(List.of(V1, otherSites, wave1));

        assertThat(t.contains(otherSites.releaseId())).as("held: a redelivery is a duplicate").isTrue();
        assertThat(t.appliesHere(otherSites)).isFalse();
        assertThat(version(t, 1_100)).as("v2 is for plant-2 and wave 2 only").isEqualTo("v1");
        assertThat(version(t, 1_200)).isEqualTo("v3");
        assertThat(t.toStageNow(Long.MIN_VALUE)).extracting(ModelRelease::version).containsExactly("v1", "v3");
        assertThat(t.neededReleaseIds(1_100, 0)).doesNotContain(otherSites.releaseId());
    }

    @Test
    void aShadowIsStagedAndKeptUntilAServingActivationEndsItButNeverServesNorHoldsTheWarmStart() {
        ModelRelease shadowV3 = release("v3", 500, "3").toBuilder().shadow(true).build();
        ActivationTimeline t = timeline(V1, V2, shadowV3);

        assertThat(version(t, 700)).as("a shadow never serves").isEqualTo("v1");
        assertThat(t.hasShadows()).isTrue();
        assertThat(t.resolveShadow(700, "dev-a")).contains(shadowV3);
        assertThat(t.resolveShadow(1_000, "dev-a")).as("v2's activation ends the shadow").isEmpty();
        assertThat(t.toStageNow(600)).containsExactly(V1, V2, shadowV3);
        assertThat(t.servingAt(600, 600)).containsExactly(V1);
        assertThat(t.neededReleaseIds(900, 0)).contains(shadowV3.releaseId());
        assertThat(t.neededReleaseIds(1_000, 0)).doesNotContain(shadowV3.releaseId());
        assertThat(t.sha256sOf(java.util.Set.of(shadowV3.releaseId()))).containsExactly(shadowV3.sha256());
    }

    @Test
    void aLateReleaseAppliesOnlyFromItsBoundaryAndThereAtItsOwnActivation() {
        ActivationTimeline t = v1AndV2ThenV3Late();

        assertThat(version(t, 1_200)).as("before the boundary: as scored before").isEqualTo("v2");
        assertThat(version(t, 1_500)).isEqualTo("v2");
        assertThat(version(t, 1_501)).isEqualTo("v3");
        assertThat(version(t, 999)).isEqualTo("v1");
        assertThat(t.lateBoundaries()).containsExactly(Map.entry(V3.releaseId(), 1_501L));
    }

    @Test
    void aRolledBackVersionCountsOnlyBeforeTheAdvisorysTimeOrJustAfterWhatWasAlreadyScored() {
        ActivationTimeline t = timeline(V1, V2);
        t.scored(1_100);
        DeprecationAdvisory early = advisory(V2, 1_050); // already passed: applies from 1101
        assertThat(t.rollBack(early)).isEqualTo(1_101L);
        assertThat(version(t, 1_100)).as("already scored by v2: unchanged").isEqualTo("v2");
        assertThat(version(t, 1_101)).as("back to the previous good version").isEqualTo("v1");
        assertThat(t.toStageNow(1_200)).extracting(ModelRelease::version).contains("v1");

        ActivationTimeline fresh = timeline(V1, V2);
        assertThat(fresh.rollBack(advisory(V2, 1_500))).isEqualTo(1_500L);
        assertThat(version(fresh, 1_499)).isEqualTo("v2");
        assertThat(version(fresh, 1_500)).isEqualTo("v1");
        SubtaskProgress progress = fresh.progress(0);
        ActivationTimeline restored = new ActivationTimeline(MODEL, SiteIdentity.of("edge-local"), progress);
        restored.addAll(List.of(V2, V1));
        restored.scored(5_000);
        assertThat(restored.rollBack(advisory(V2, 1_500))).as("the checkpointed boundary").isEqualTo(1_500L);
        assertThat(version(restored, 1_500)).isEqualTo("v1");
    }

    @Test
    void aRolledBackVersionWithNoOtherReleaseKeepsServingRatherThanLeaveRecordsWaiting() {
        ActivationTimeline t = timeline(V2);
        t.rollBack(advisory(V2, 1_500));
        assertThat(version(t, 2_000)).isEqualTo("v2");
    }

    private static DeprecationAdvisory advisory(ModelRelease bad, long effectiveAt) {
        return new DeprecationAdvisory(MODEL, bad.version(), bad.sha256(), "bad", effectiveAt, "test", 1L, null, null);
    }

    @Test
    void aLateReleaseNeverOvertakesANewerActivationAfterItsBoundary() {
        ActivationTimeline t = timeline(V1, V2);
        t.scored(500);
        ModelRelease old = release("v0", 100, "0");
        t.addLate(old, 501);

        assertThat(version(t, 600)).isEqualTo("v0");
        assertThat(version(t, 1_000)).as("v2 activates after v0").isEqualTo("v2");
    }

    @Test
    void recordsNoReleaseCoveredBeforeResolveAgainstTheWholeTimeline() {
        ActivationTimeline t = new ActivationTimeline(MODEL);
        t.add(V2);
        t.scored(1_500);
        t.addLate(V1, 1_501);

        assertThat(version(t, 500)).as("nothing scored before 1000; v1 is the only cover").isEqualTo("v1");
    }

    @Test
    void aRejectedReleaseLeavesTheTimelineAndRecordsFallBack() {
        ActivationTimeline t = timeline(V1, V2);

        t.reject(V2.releaseId());

        assertThat(version(t, 1_500)).isEqualTo("v1");
        assertThat(t.contains(V2.releaseId())).as("still received: a redelivery is a duplicate").isTrue();
        assertThat(t.activations()).containsExactly(V1);
    }

    @Test
    void theReleasesToStageNowAreTheCurrentOneAndEveryLaterActivation() {
        ActivationTimeline t = timeline(V1, V2, V3);

        assertThat(t.toStageNow(Long.MIN_VALUE)).containsExactly(V1, V2, V3);
        assertThat(t.toStageNow(1_100)).containsExactly(V2, V3);
        t.scored(1_300);
        assertThat(t.toStageNow(Long.MIN_VALUE)).as("the newest scored time counts as now").containsExactly(V3);
    }

    @Test
    void aVersionIsNeededUntilTheWatermarkPassesTheNextActivationPlusTheLateness() {
        ActivationTimeline t = timeline(V1, V2);

        assertThat(t.neededReleaseIds(1_100, 200)).containsExactlyInAnyOrder(V1.releaseId(), V2.releaseId());
        assertThat(t.neededReleaseIds(1_200, 200)).containsExactly(V2.releaseId());
        assertThat(t.sha256sOf(t.neededReleaseIds(1_200, 200))).containsExactly(V2.sha256());
    }

    @Test
    void aLateReleasesSegmentKeepsTheVersionsBeforeItsBoundaryNeeded() {
        ActivationTimeline t = v1AndV2ThenV3Late();

        assertThat(t.neededReleaseIds(1_600, 200)).as("records at 1400..1500 still resolve to v2")
                .containsExactlyInAnyOrder(V2.releaseId(), V3.releaseId());
        assertThat(t.neededReleaseIds(1_800, 200)).containsExactly(V3.releaseId());
    }

    @Test
    void progressRoundTripsTheLateBoundariesAndTheNewestScoredEventTime() {
        ActivationTimeline t = v1AndV2ThenV3Late();

        SubtaskProgress progress = t.progress(3);
        ActivationTimeline restored = new ActivationTimeline(MODEL, SiteIdentity.of("edge-local"), progress);
        restored.addAll(List.of(V1, V2, V3));

        assertThat(progress).isEqualTo(new SubtaskProgress(3, 1_500, Map.of(V3.releaseId(), 1_501L)));
        assertThat(restored.newestScoredEventTime()).isEqualTo(1_500);
        assertThat(version(restored, 1_200)).isEqualTo("v2");
        assertThat(version(restored, 1_501)).isEqualTo("v3");
    }

    private static ActivationTimeline timeline(ModelRelease... releases) {
        ActivationTimeline t = new ActivationTimeline(MODEL);
        t.addAll(List.of(releases));
        return t;
    }

    /** v1 and v2 known, records scored up to 1500, then v3 (activating at 1200) arrives late, from boundary 1501. */
    private static ActivationTimeline v1AndV2ThenV3Late() {
        ActivationTimeline t = timeline(V1, V2);
        t.scored(1_500);
        t.addLate(V3, 1_501);
        return t;
    }

    private static String version(ActivationTimeline t, long eventTime) {
        Optional<ModelRelease> r = t.resolve(eventTime, "dev-a");
        assertThat(r).as("a release for %s", eventTime).isPresent();
        return r.get().version();
    }

    static ModelRelease release(String version, long activateAt, String shaDigit) {
        return ModelRelease.builder().model(MODEL).version(version).sha256(shaDigit.repeat(64))
                .uri("file:///models/" + version + ".onnx").sizeBytes(10).signature(sensorSignature())
                .activateAt(activateAt).publisher("test").publishedAt(1L).build();
    }
}

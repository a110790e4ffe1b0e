package dev.edgeinfer.jobs.controller;

import static dev.edgeinfer.testutils.TestingHeartbeats.HIGH_SCORES;
import static dev.edgeinfer.testutils.TestingHeartbeats.LOW_SCORES;
import static dev.edgeinfer.testutils.TestingHeartbeats.full;
import static dev.edgeinfer.testutils.TestingHeartbeats.healthy;
import static dev.edgeinfer.testutils.TestingHeartbeats.heartbeat;
import static dev.edgeinfer.testutils.TestingHeartbeats.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.broadcast.status.RolloutDecision.Action;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;

import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The controller's decisions on synthetic status streams: one heartbeat per site every 10 s. */
class ModelRolloutTest {

    private static final long T0 = 1_767_225_600_000L;
    private static final String CONTROLLER = "edgeinfer-controller";
    private static final RolloutPolicy POLICY = new RolloutPolicy(100, Duration.ofSeconds(60), Duration.ofSeconds(30),
            0.02, 0.005, 50_000, 0.8, 0.25, 0.1, 0.9, 0.97, Duration.ofSeconds(5));
    private static final ReleaseTarget WAVE_1 = ReleaseTarget.of(List.of(), List.of("wave=1"));

    private final ModelRelease v1 = full("v1", 0);
    private final ModelRollout rollout = new ModelRollout("sensor-anomaly", POLICY, CONTROLLER);

    /** Feeds {@code beats} in order; returns every proposal made. */
    private List<ModelRollout.Proposal> feed(ModelRollout r, List<ModelStatus> beats) {
        List<ModelRollout.Proposal> decided = new ArrayList<>();
        beats.forEach(b -> r.heartbeat(b, null).ifPresent(decided::add));
        return decided;
    }

    /** Every 10 s from T0 + 10 s, {@code rounds} times: v1 and {@code candidate} heartbeats from two sites. */
    private List<ModelStatus> rounds(ModelRelease candidate, int rounds, long errors, long[] bins, long p99) {
        List<ModelStatus> beats = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
            long at = candidate.activateAt() + i * 10_000L;
            for (String site : List.of("plant-1", "plant-2")) {
                beats.add(healthy(site, v1, at, 4_000));
                beats.add(heartbeat(site, candidate, at, 1_000, errors, bins, p99));
            }
        }
        return beats;
    }

    @Test
    void rollsBackACanaryWithNaNOutputsToThePreviousVersionForTheSitesThatGotIt() throws Exception {
        ModelRelease canary = release("v2", T0, 20, WAVE_1);
        rollout.release(v1);
        rollout.release(canary);

        List<ModelRollout.Proposal> decided = feed(rollout, rounds(canary, 3, 30, LOW_SCORES, 2_000));

        assertThat(decided).hasSize(1);
        ModelRollout.Proposal p = decided.get(0);
        assertThat(p.action()).isEqualTo(Action.ROLLBACK);
        assertThat(p.reason()).isEqualTo("ERROR_RATE");
        assertThat(p.release().version()).isEqualTo("v1");
        assertThat(p.release().targets()).isEqualTo(WAVE_1);
        assertThat(p.release().canaryPercent()).isEqualTo(100);
        assertThat(p.release().activateAt()).isEqualTo(T0 + 10_000 + 5_000);
        assertThat(p.evidence().nonFinite()).as("tripped on the first heartbeat").isEqualTo(30);
        assertThat(p.detail()).contains("error rate", "back to v1");

        KeyPair key = ReleaseSigning.generateKeyPair();
        ModelRelease signed = ReleaseSigning.sign(p.release(), key);
        assertThat(ReleaseSigning.verify(signed, TrustedKeys.of(key.getPublic()))).isEqualTo(signed.signedBy());
        RolloutDecision decision = p.decision(signed);
        assertThat(RolloutDecisionJson.fromJson(RolloutDecisionJson.toJson(decision))).isEqualTo(decision);
        assertThat(decision.judgedVersion()).isEqualTo("v2");
        assertThat(decision.activatedVersion()).isEqualTo("v1");
    }

    @Test
    void rollsBackACanaryWhoseScoresDriftedFromThePreviousVersion() {
        ModelRelease canary = release("v2", T0, 50, ReleaseTarget.ALL);
        rollout.release(v1);
        rollout.release(canary);

        List<ModelRollout.Proposal> decided = feed(rollout, rounds(canary, 3, 0, HIGH_SCORES, 2_000));

        assertThat(decided).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(Action.ROLLBACK);
            assertThat(p.reason()).isEqualTo("OUTPUT_DRIFT");
            assertThat(p.evidence().psi()).isGreaterThan(0.25);
            assertThat(p.release().targets()).isEqualTo(ReleaseTarget.ALL);
        });
    }

    @Test
    void rollsBackAVersionWhoseP99IsOverTheLatencyBudget() {
        ModelRelease canary = release("v2", T0, 50, ReleaseTarget.ALL);
        rollout.release(v1);
        rollout.release(canary);

        assertThat(feed(rollout, rounds(canary, 3, 0, LOW_SCORES, 80_000)))
                .singleElement().satisfies(p -> assertThat(p.reason()).isEqualTo("LATENCY_P99"));
    }

    @Test
    void promotesAHealthySiteWaveToEverySiteOnlyAfterTheDwell() {
        ModelRelease wave = release("v2", T0, 100, WAVE_1);
        rollout.release(v1);
        rollout.release(wave);

        // Healthy from the first heartbeat (T0 + 10 s); the dwell of 30 s ends at T0 + 40 s.
        List<ModelStatus> beats = rounds(wave, 6, 0, LOW_SCORES, 2_000);
        List<ModelRollout.Proposal> decided = new ArrayList<>();
        for (ModelStatus b : beats) {
            Optional<ModelRollout.Proposal> p = rollout.heartbeat(b, null);
            if (b.at() < T0 + 40_000) {
                assertThat(p).as("decision before the dwell at %d", b.at() - T0).isEmpty();
            }
            p.ifPresent(decided::add);
        }

        assertThat(decided).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(Action.PROMOTE);
            assertThat(p.reason()).isEqualTo("HEALTHY_FOR_DWELL");
            assertThat(p.at()).isEqualTo(T0 + 40_000);
            assertThat(p.release().version()).isEqualTo("v2");
            assertThat(p.release().targets()).isEqualTo(ReleaseTarget.ALL);
            assertThat(p.release().canaryPercent()).isEqualTo(100);
            assertThat(p.evidence().healthySince()).isEqualTo(T0 + 10_000);
        });
    }

    @Test
    void takesNoActionOnHealthyFullReleasesOrOnTooFewRecords() {
        ModelRelease v2 = full("v2", T0);
        rollout.release(v1);
        rollout.release(v2);
        assertThat(feed(rollout, rounds(v2, 10, 0, LOW_SCORES, 2_000))).isEmpty();

        ModelRollout other = new ModelRollout("sensor-anomaly", POLICY, CONTROLLER);
        ModelRelease canary = release("v3", T0, 10, ReleaseTarget.ALL);
        other.release(v1);
        other.release(canary);
        List<ModelStatus> few = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            few.add(heartbeat("plant-1", canary, T0 + i * 10_000L, 5, 5, LOW_SCORES, 2_000)); // 100% errors, 10/min
        }
        assertThat(feed(other, few)).as("never judged under min-records").isEmpty();
    }

    @Test
    void doesNotFlapWhenAMeasureHoversBetweenTheClearAndTripThresholds() {
        ModelRelease canary = release("v2", T0, 20, WAVE_1);
        rollout.release(v1);
        rollout.release(canary);
        List<ModelStatus> beats = new ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            // error rate alternates 1.0% and 1.5%: above clear (0.5%), below trip (2%)
            beats.add(heartbeat("plant-1", canary, T0 + i * 10_000L, 200, i % 2 == 0 ? 2 : 3, LOW_SCORES, 2_000));
        }
        assertThat(feed(rollout, beats)).isEmpty();

        // Healthy intervals, one in three bad (40 errors): the window's rate stays between clear and trip.
        ModelRollout other = new ModelRollout("sensor-anomaly", POLICY, CONTROLLER);
        other.release(v1);
        other.release(canary);
        List<ModelStatus> broken = new ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            broken.add(heartbeat("plant-1", canary, T0 + i * 10_000L, 1_000, i % 3 == 0 ? 40 : 0, LOW_SCORES, 2_000));
        }
        assertThat(feed(other, broken)).isEmpty();
    }

    @Test
    void neverPromotesAVersionItRolledBack() {
        ModelRelease canary = release("v2", T0, 20, WAVE_1);
        rollout.release(v1);
        rollout.release(canary);
        List<ModelRollout.Proposal> first = feed(rollout, rounds(canary, 2, 50, LOW_SCORES, 2_000));
        assertThat(first).singleElement().satisfies(p -> assertThat(p.action()).isEqualTo(Action.ROLLBACK));
        rollout.release(first.get(0).release());

        // The same version canaried again later, healthy for long: rolled back before, so never promoted.
        ModelRelease again = release("v2", T0 + 600_000, 20, WAVE_1);
        rollout.release(again);
        assertThat(feed(rollout, rounds(again, 20, 0, LOW_SCORES, 2_000))).isEmpty();
        assertThat(rollout.neverPromoted()).containsExactly("v2");
    }

    @Test
    void decidesTheSameReleaseIdsOnAReplayAndNothingAgainAfterARestartOnTheHistory() {
        ModelRelease canary = release("v2", T0, 20, WAVE_1);
        List<ModelStatus> beats = rounds(canary, 3, 30, LOW_SCORES, 2_000);
        rollout.release(v1);
        rollout.release(canary);
        List<ModelRollout.Proposal> first = feed(rollout, beats);

        ModelRollout replay = new ModelRollout("sensor-anomaly", POLICY, CONTROLLER);
        replay.release(v1);
        replay.release(canary);
        List<ModelRollout.Proposal> second = feed(replay, beats);
        assertThat(second).extracting(p -> p.release().releaseId())
                .containsExactlyElementsOf(first.stream().map(p -> p.release().releaseId()).toList())
                .hasSize(1);
        assertThat(second.get(0).release()).isEqualTo(first.get(0).release());

        // A controller started afresh that reads the control topic (with its own rollback) first.
        ModelRollout restarted = new ModelRollout("sensor-anomaly", POLICY, CONTROLLER);
        restarted.release(v1);
        restarted.release(canary);
        restarted.release(first.get(0).release());
        assertThat(feed(restarted, beats)).isEmpty();
    }

    @Test
    void rollsBackACanaryWhoseShadowDisagreesWithTheServingVersionAndNeverJudgesTheShadowItself() {
        ModelRelease shadow = release("v2", T0, 100, ReleaseTarget.ALL).toBuilder().shadow(true).build();
        ModelRelease canary = release("v2", T0 + 1, 20, WAVE_1);
        rollout.release(v1);
        rollout.release(shadow);
        rollout.release(canary);
        List<ModelRollout.Proposal> decided = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            long at = T0 + i * 10_000L;
            rollout.heartbeat(healthy("plant-3", shadow, at, 1_000), 0.7).ifPresent(decided::add);
            rollout.heartbeat(healthy("plant-1", canary, at, 1_000), null).ifPresent(decided::add);
        }

        assertThat(decided).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo("SHADOW_AGREEMENT");
            assertThat(p.judged()).isEqualTo(canary);
            assertThat(p.release().version()).isEqualTo("v1");
            assertThat(p.release().shadow()).isFalse();
            assertThat(p.evidence().shadowAgreement()).isEqualTo(0.7);
        });
    }
}

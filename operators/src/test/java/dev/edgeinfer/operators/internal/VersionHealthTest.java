package dev.edgeinfer.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.operators.PredictionSummary;
import dev.edgeinfer.operators.frames.ImageModelMetadata;
import dev.edgeinfer.operators.frames.TopK;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

class VersionHealthTest {

    private static ModelHealth drain(VersionHealth health, long now) {
        return health.drain(now, "sha", 4, "cpu", Map.of("wave", "1"), 250L, 9_000L);
    }

    @Test
    void scoresFillTheirTenthsAnomaliesCountAtTheThresholdAndNonFiniteOutputsAreErrorsNotAnomalies() {
        VersionHealth health = new VersionHealth(1_000);
        health.scored(Arrays.asList(0.05f, 0.15f, 0.55f, 0.95f, 1.0f, -0.2f, 1.7f, Float.NaN,
                Float.POSITIVE_INFINITY, null), 5_000, PredictionSummary.scoreAbove(0.5f));

        ModelHealth h = drain(health, 3_000);

        assertThat(h.intervalMillis()).isEqualTo(2_000);
        assertThat(h.scored()).isEqualTo(10);
        assertThat(h.nonFinite()).isEqualTo(3);
        assertThat(h.errors()).isEqualTo(3);
        assertThat(h.anomalies()).isEqualTo(4); // 0.55, 0.95, 1.0, 1.7
        assertThat(h.scoreBins()).containsExactly(2L, 1L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 3L);
        assertThat(h.latencyP50Micros()).isEqualTo(5L);
        assertThat(h.variant()).isEqualTo("sha");
        assertThat(h.siteLabels()).containsEntry("wave", "1");
        assertThat(h.watermarkLagMillis()).isEqualTo(250L);
    }

    @Test
    void countsStartAgainAfterEachHeartbeatButTheIntervalFollowsOn() {
        VersionHealth health = new VersionHealth(0);
        health.scored(List.of(0.1f, 0.2f), 1_000, PredictionSummary.scoreAbove(0.5f));
        health.failed(3);
        ModelHealth first = drain(health, 1_000);
        ModelHealth second = drain(health, 1_500);

        assertThat(first.scored()).isEqualTo(2);
        assertThat(first.errors()).isEqualTo(3);
        assertThat(first.errorRate()).isEqualTo(3.0 / 5);
        assertThat(second.scored()).isZero();
        assertThat(second.errors()).isZero();
        assertThat(second.intervalMillis()).isEqualTo(500);
        assertThat(second.latencyP99Micros()).isNull();
        assertThat(second.scoreBins()).allMatch(c -> c == 0);
    }

    @Test
    void withoutASummaryOnlyVolumeAndLatencyAreCounted() {
        VersionHealth health = new VersionHealth(0);
        health.scored(List.of(Float.NaN, 0.9f), 2_000, PredictionSummary.none());
        ModelHealth h = drain(health, 10);
        assertThat(h.scored()).isEqualTo(2);
        assertThat(h.nonFinite()).isZero();
        assertThat(h.anomalies()).isZero();
        assertThat(h.scoreBins()).allMatch(c -> c == 0);
        assertThat(h.latencyP50Micros()).isEqualTo(2L);
    }

    @Test
    void classifierTopClassesAreTheSixteenMostFrequentAndTheRestAreSummedAsOther() {
        VersionHealth health = new VersionHealth(0);
        List<TopK> predictions = new ArrayList<>();
        long expectedOther = 0;
        for (int c = 0; c < 20; c++) {
            for (int n = 0; n < 30 - c; n++) { // class c occurs 30 - c times: classes 16..19 are the rarest
                predictions.add(topOf(c, 40));
            }
            if (c >= 16) {
                expectedOther += 30 - c;
            }
        }
        predictions.add(topOf(2000, 2001)); // beyond the tracked indices
        health.scored(predictions, 100_000, TopK.summary());

        ModelHealth h = drain(health, 10);

        assertThat(h.topClasses()).hasSize(ModelHealth.MAX_CLASSES).containsEntry(0, 30L).containsEntry(15, 15L);
        assertThat(h.otherClasses()).isEqualTo(expectedOther + 1);
        assertThat(h.anomalies()).isZero();
    }

    private static TopK topOf(int best, int classes) {
        float[] scores = new float[classes];
        scores[best] = 0.9f;
        return TopK.of(scores, 0, classes, 1, ImageModelMetadata.DEFAULTS);
    }

    @Test
    void latencyQuantilesAreWithinOneSixteenthOfTheExactOnes() {
        Random random = new Random(7);
        LatencyBuckets buckets = new LatencyBuckets();
        long[] values = new long[5_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(random.nextDouble() * 14); // 1 µs .. 1.2 s
            buckets.record(values[i]);
        }
        Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            assertThat((double) buckets.quantile(q)).as("q=%s", q).isCloseTo(exact, org.assertj.core.api.Assertions.within(exact / 16.0 + 1));
        }
        assertThat(LatencyBuckets.value(LatencyBuckets.index(Long.MAX_VALUE))).isPositive();
        assertThat(LatencyBuckets.value(LatencyBuckets.index(5))).isEqualTo(5);
    }
}

package dev.edgeinfer.operators.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

class SensorFeaturesTest {

    private static final float EPS = 1e-6f;

    /** One-channel window over {@code values}. */
    private static float[] features(float... values) {
        return SensorFeatures.compute(new SensorWindow("dev", 0, 0, 0, 0, 1, values));
    }

    /** Features in their documented order: mean, std, min, max, slope, max |step|, last-first, flat fraction. */
    private static void assertFeatures(float[] actual, double... expected) {
        assertThat(actual).hasSize(expected.length);
        String[] names = {"mean", "std", "min", "max", "slope", "maxStep", "lastMinusFirst", "flatFraction"};
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as(names[i % 8] + " of channel " + i / 8).isCloseTo(expected[i], within(1e-5));
        }
    }

    @Test
    void featureCountIsEightPerChannel() {
        assertThat(SensorFeatures.FEATURES_PER_CHANNEL).isEqualTo(8);
        assertThat(SensorFeatures.featureCount(1)).isEqualTo(8);
        assertThat(SensorFeatures.featureCount(4)).isEqualTo(32);
    }

    @Test
    void constantWindowHasZeroSpreadZeroSlopeAndOnlyFlatSteps() {
        assertFeatures(features(3, 3, 3, 3), 3, 0, 3, 3, 0, 0, 0, 1);
    }

    @Test
    void rampHasSlopeOneAndNoFlatSteps() {
        // 0,1,2,3: mean 1.5, population std sqrt(1.25), slope 1 per reading.
        assertFeatures(features(0, 1, 2, 3), 1.5, Math.sqrt(1.25), 0, 3, 1, 1, 3, 0);
    }

    @Test
    void fallingRampHasNegativeSlopeAndNegativeLastMinusFirst() {
        // 10,8,6,4: mean 7, std sqrt(5), slope -2, every step 2.
        assertFeatures(features(10, 8, 6, 4), 7, Math.sqrt(5), 4, 10, -2, 2, -6, 0);
    }

    @Test
    void spikeShowsInMaxStepAndStdButNotInSlopeOrLastMinusFirst() {
        // 0,0,5,0,0: mean 1, std sqrt((1+1+16+1+1)/5) = 2, symmetric so slope 0,
        // steps 0,5,5,0 so max step 5 and half the steps flat.
        assertFeatures(features(0, 0, 5, 0, 0), 1, 2, 0, 5, 0, 5, 0, 0.5);
    }

    @Test
    void stepsBelowFlatEpsilonCountAsFlat() {
        // Steps of 5e-5 (< 1e-4) are flat; the one step of 1.0 is not.
        float[] f = features(1f, 1.00005f, 1.0001f, 2.0001f);

        assertThat(f[7]).isCloseTo(2f / 3f, within(EPS));
        assertThat(f[5]).isCloseTo(1f, within(1e-4f));
    }

    @Test
    void twoReadingsAreTheSmallestWindow() {
        // 1,3: mean 2, std 1, slope 2, step 2.
        assertFeatures(features(1, 3), 2, 1, 1, 3, 2, 2, 2, 0);
    }

    @Test
    void channelsAreReadRowMajorAndWrittenChannelByChannel() {
        // Three channels, five readings: c0 constant 3, c1 ramp 0..4, c2 spike 0,0,5,0,0.
        float[] values = {
            3, 0, 0,
            3, 1, 0,
            3, 2, 5,
            3, 3, 0,
            3, 4, 0
        };

        float[] f = SensorFeatures.compute(new SensorWindow("dev", 0, 0, 0, 0, 3, values));

        assertFeatures(
                f,
                3, 0, 3, 3, 0, 0, 0, 1, // constant
                2, Math.sqrt(2), 0, 4, 1, 1, 4, 0, // ramp 0..4: std sqrt((4+1+0+1+4)/5)
                1, 2, 0, 5, 0, 5, 0, 0.5); // spike
    }

    @Test
    void writeAppendsAtTheBuffersPosition() {
        FloatBuffer buffer = FloatBuffer.allocate(1 + 2 * 8);
        buffer.put(-42f);

        SensorFeatures.write(new float[] {3, 3, 3}, 1, buffer);
        SensorFeatures.write(new float[] {0, 1, 2, 3}, 1, buffer);

        assertThat(buffer.position()).isEqualTo(17);
        float[] all = buffer.array();
        assertThat(all[0]).isEqualTo(-42f);
        assertThat(all[1]).isEqualTo(3f); // mean of the first window
        assertThat(all[9]).isEqualTo(1.5f); // mean of the second window
        assertThat(all[13]).isEqualTo(1f); // slope of the second window
    }

    @Test
    void windowWithFewerThanTwoReadingsIsRejected() {
        assertThatThrownBy(() -> SensorFeatures.write(new float[] {1, 2}, 2, FloatBuffer.allocate(16)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 1");
    }

    @Test
    void largeOffsetsDoNotLoseTheSpreadOfSmallChanges() {
        // Values around 10000 with a spread of 1: the std is computed around the mean, not as E[x^2]-E[x]^2.
        float[] f = features(10_000, 10_001, 10_000, 10_001);

        assertThat(f[0]).isEqualTo(10_000.5f);
        assertThat(f[1]).isCloseTo(0.5f, within(EPS));
    }
}

package dev.edgeinfer.simulation.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

class SensorSignalTest {

    private static final Set<AnomalyKind> ALL = AnomalyKind.anomalies();

    @Test
    void sameSeedGivesIdenticalReadingsAndLabels() {
        List<SimulatedReading> a = new SensorSignal(4, 42, 0.02, ALL).next(5_000);
        List<SimulatedReading> b = new SensorSignal(4, 42, 0.02, ALL).next(5_000);

        assertThat(a).isEqualTo(b);
        assertThat(a).anyMatch(SimulatedReading::isAnomalous);
    }

    @Test
    void differentSeedsGiveDifferentReadings() {
        List<SimulatedReading> a = new SensorSignal(4, 42, 0.02, ALL).next(100);
        List<SimulatedReading> b = new SensorSignal(4, 43, 0.02, ALL).next(100);

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void kindSetOrderDoesNotChangeTheSignal() {
        Set<AnomalyKind> ordered = EnumSet.of(AnomalyKind.SPIKE, AnomalyKind.FLATLINE);
        Set<AnomalyKind> unordered = Set.of(AnomalyKind.FLATLINE, AnomalyKind.SPIKE);

        assertThat(new SensorSignal(2, 7, 0.05, unordered).next(2_000))
                .isEqualTo(new SensorSignal(2, 7, 0.05, ordered).next(2_000));
    }

    @Test
    void episodesStartAtTheConfiguredRatePerEligibleReading() {
        double rate = 0.01;
        List<SimulatedReading> readings = new SensorSignal(4, 1, rate, ALL).next(200_000);

        // Episodes never touch, so each run of anomalous readings is one episode, and a reading
        // can start one only if its predecessor is normal.
        int episodes = 0;
        int eligible = 0;
        for (int i = 1; i < readings.size(); i++) {
            if (!readings.get(i - 1).isAnomalous()) {
                eligible++;
                if (readings.get(i).isAnomalous()) {
                    episodes++;
                }
            }
        }
        assertThat((double) episodes / eligible).isCloseTo(rate, org.assertj.core.data.Percentage.withPercentage(10));
    }

    @Test
    void everyEnabledKindAppearsAndDisabledKindsNever() {
        Set<AnomalyKind> enabled = EnumSet.of(AnomalyKind.DRIFT, AnomalyKind.FLATLINE);

        Set<AnomalyKind> seen = new SensorSignal(3, 5, 0.02, enabled).next(20_000).stream()
                .map(SimulatedReading::anomaly)
                .filter(AnomalyKind::isAnomaly)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(AnomalyKind.class)));

        assertThat(seen).isEqualTo(enabled);
    }

    @Test
    void onlySpikesWhenOnlySpikesAreEnabled() {
        List<SimulatedReading> readings = new SensorSignal(3, 5, 0.02, EnumSet.of(AnomalyKind.SPIKE)).next(20_000);

        assertThat(readings).extracting(SimulatedReading::anomaly)
                .contains(AnomalyKind.SPIKE)
                .containsOnly(AnomalyKind.NONE, AnomalyKind.SPIKE);
    }

    @Test
    void noAnomaliesWithZeroRateOrNoKinds() {
        assertThat(new SensorSignal(4, 9, 0.0, ALL).next(10_000)).noneMatch(SimulatedReading::isAnomalous);
        assertThat(new SensorSignal(4, 9, 0.5, Set.of()).next(10_000)).noneMatch(SimulatedReading::isAnomalous);
    }

    @Test
    void spikesAreSingleReadingsFarFromTheirNeighbours() {
        List<SimulatedReading> readings = new SensorSignal(1, 11, 0.02, EnumSet.of(AnomalyKind.SPIKE)).next(20_000);

        for (int i = 1; i < readings.size() - 1; i++) {
            if (readings.get(i).isAnomalous()) {
                assertThat(readings.get(i - 1).isAnomalous()).isFalse();
                assertThat(readings.get(i + 1).isAnomalous()).isFalse();
                float jump = Math.abs(readings.get(i).values()[0] - readings.get(i - 1).values()[0]);
                // Noise sigma is at most 0.55 and a spike at least 8 sigma; neighbours differ by far less.
                assertThat(jump).isGreaterThan(2.5f);
            }
        }
    }

    @Test
    void flatLineReadingsRepeatThePreviousValueOnOneChannel() {
        List<SimulatedReading> readings = new SensorSignal(4, 13, 0.02, EnumSet.of(AnomalyKind.FLATLINE)).next(20_000);

        int flat = 0;
        for (int i = 1; i < readings.size(); i++) {
            float[] previous = readings.get(i - 1).values();
            float[] current = readings.get(i).values();
            int stuck = 0;
            for (int c = 0; c < current.length; c++) {
                stuck += current[c] == previous[c] ? 1 : 0;
            }
            if (readings.get(i).anomaly() == AnomalyKind.FLATLINE) {
                flat++;
                assertThat(stuck).isEqualTo(1);
            } else {
                assertThat(stuck).isZero();
            }
        }
        assertThat(flat).isGreaterThan(100);
    }

    @Test
    void labelledEpisodesLastAtMostTheMaximumLength() {
        List<SimulatedReading> readings = new SensorSignal(2, 17, 0.02, ALL).next(50_000);

        int run = 0;
        int longest = 0;
        for (SimulatedReading r : readings) {
            run = r.isAnomalous() ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertThat(longest).isBetween(SensorSignal.EPISODE_MIN_LENGTH, SensorSignal.EPISODE_MAX_LENGTH);
    }

    @Test
    void driftIsLabelledOnlyOnceItsOffsetIsLarge() {
        // A drift run starts labelled after its first, still small, ramp readings: so a drift
        // label run is shorter than the episode (at least one unlabelled ramp reading).
        List<SimulatedReading> readings = new SensorSignal(1, 19, 0.02, EnumSet.of(AnomalyKind.DRIFT)).next(50_000);
        int run = 0;
        int longest = 0;
        for (SimulatedReading r : readings) {
            run = r.isAnomalous() ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertThat(longest).isGreaterThan(0).isLessThan(SensorSignal.EPISODE_MAX_LENGTH);
    }

    @Test
    void deviceSeedsDifferPerDevice() {
        assertThat(SensorSignal.deviceSeed(1, 0)).isNotEqualTo(SensorSignal.deviceSeed(1, 1));
        assertThat(SensorSignal.deviceSeed(1, 0)).isNotEqualTo(SensorSignal.deviceSeed(2, 0));
        assertThat(SensorSignal.deviceSeed(1, 5)).isEqualTo(SensorSignal.deviceSeed(1, 5));
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> new SensorSignal(0, 1, 0.1, ALL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SensorSignal(1, 1, 1.5, ALL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SensorSignal(1, 1, 0.1, EnumSet.of(AnomalyKind.NONE)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

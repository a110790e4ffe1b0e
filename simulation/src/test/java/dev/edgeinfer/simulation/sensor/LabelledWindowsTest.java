package dev.edgeinfer.simulation.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.operators.sensor.SensorWindow;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

class LabelledWindowsTest {

    /** Readings 0..n-1 with two channels holding (i, -i); anomalies at the given positions. */
    private static List<SimulatedReading> readings(int n, int spikeAt, int flatAt) {
        List<SimulatedReading> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AnomalyKind kind = i == spikeAt ? AnomalyKind.SPIKE : i == flatAt ? AnomalyKind.FLATLINE : AnomalyKind.NONE;
            out.add(new SimulatedReading(new float[] {i, -i}, kind));
        }
        return out;
    }

    @Test
    void windowKHoldsReadingsFromKTimesSlideInOrder() {
        List<LabelledWindow> windows = LabelledWindows.slide("dev-1", readings(30, -1, -1), 8, 3);

        assertThat(windows).hasSize(8); // starts 0, 3, ..., 21; 24 + 8 > 30
        for (int k = 0; k < windows.size(); k++) {
            SensorWindow w = windows.get(k).window();
            assertThat(w.deviceId()).isEqualTo("dev-1");
            assertThat(w.index()).isEqualTo(k);
            assertThat(w.channels()).isEqualTo(2);
            assertThat(w.size()).isEqualTo(8);
            assertThat(w.startTs()).isEqualTo(3L * k);
            assertThat(w.endTs()).isEqualTo(3L * k + 7);
            for (int i = 0; i < 8; i++) {
                assertThat(w.values()[i * 2]).isEqualTo(3f * k + i);
                assertThat(w.values()[i * 2 + 1]).isEqualTo(-(3f * k + i));
            }
        }
    }

    @Test
    void windowIsAnomalousIffAnyOfItsReadingsIs() {
        // Spike at 10: in windows starting at 3..10 (k = 1..3 with slide 3, size 8); flat at 25: k = 6..8.
        List<SimulatedReading> readings = readings(40, 10, 25);
        List<LabelledWindow> windows = LabelledWindows.slide("d", readings, 8, 3);

        List<Long> anomalous = windows.stream().filter(LabelledWindow::anomalous).map(w -> w.window().index()).toList();
        assertThat(anomalous).containsExactly(1L, 2L, 3L, 6L, 7L, 8L);
        assertThat(windows.get(2).anomalies()).containsExactly(AnomalyKind.SPIKE);
        assertThat(windows.get(7).anomalies()).containsExactly(AnomalyKind.FLATLINE);
        assertThat(windows.get(0).anomalies()).isEmpty();
    }

    @Test
    void predicateAndListFormsAgreeWithTheWindows() {
        List<SimulatedReading> readings = new SensorSignal(3, 3, 0.03, AnomalyKind.anomalies()).next(3_000);
        BitSet anomalousPositions = new BitSet();
        for (int i = 0; i < readings.size(); i++) {
            anomalousPositions.set(i, readings.get(i).isAnomalous());
        }

        List<LabelledWindow> windows = LabelledWindows.slide("d", readings, 16, 4);
        assertThat(windows).hasSize((int) LabelledWindows.windowCount(readings.size(), 16, 4));
        for (LabelledWindow w : windows) {
            long k = w.window().index();
            assertThat(LabelledWindows.windowIsAnomalous(readings, k, 16, 4)).isEqualTo(w.anomalous());
            assertThat(LabelledWindows.windowIsAnomalous(pos -> anomalousPositions.get((int) pos), k, 16, 4))
                    .isEqualTo(w.anomalous());
        }
        assertThat(windows).anyMatch(LabelledWindow::anomalous).anyMatch(w -> !w.anomalous());
    }

    @Test
    void countsOnlyCompleteWindows() {
        assertThat(LabelledWindows.windowCount(15, 16, 4)).isZero();
        assertThat(LabelledWindows.windowCount(16, 16, 4)).isEqualTo(1);
        assertThat(LabelledWindows.windowCount(19, 16, 4)).isEqualTo(1);
        assertThat(LabelledWindows.windowCount(20, 16, 4)).isEqualTo(2);
        assertThat(LabelledWindows.slide("d", readings(15, -1, -1), 16, 4)).isEmpty();
        assertThatThrownBy(() -> LabelledWindows.windowIsAnomalous(readings(19, -1, -1), 1, 16, 4))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void labelledWindowCopiesItsKinds() {
        var kinds = new java.util.HashSet<>(Set.of(AnomalyKind.DRIFT));
        LabelledWindow w = new LabelledWindow(new SensorWindow("d", 0, 0, 1, 1, 1, new float[] {1, 2}), kinds);
        kinds.add(AnomalyKind.SPIKE);

        assertThat(w.anomalies()).containsExactly(AnomalyKind.DRIFT);
    }
}

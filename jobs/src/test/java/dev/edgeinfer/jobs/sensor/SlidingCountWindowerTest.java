package dev.edgeinfer.jobs.sensor;

import static dev.edgeinfer.testutils.TestingReadings.expectedWindow;
import static dev.edgeinfer.testutils.TestingReadings.expectedWindows;
import static dev.edgeinfer.testutils.TestingReadings.reading;
import static dev.edgeinfer.testutils.TestingReadings.readings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

class SlidingCountWindowerTest {

    private static final int CHANNELS = 3;

    private static KeyedOneInputStreamOperatorTestHarness<String, SensorReading, SensorWindow> harness(
            int size, int slide) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SlidingCountWindower(size, slide, CHANNELS)),
                SensorReading::deviceId,
                Types.STRING);
    }

    private static List<SensorWindow> run(int size, int slide, List<SensorReading> input) throws Exception {
        try (var h = harness(size, slide)) {
            h.open();
            for (SensorReading r : input) {
                h.processElement(r, r.ts());
            }
            return new ArrayList<>(h.extractOutputValues());
        }
    }

    /** Round-robin interleaving of several devices' readings, as one Kafka partition might deliver them. */
    private static List<SensorReading> interleaved(int... countsPerDevice) {
        List<SensorReading> out = new ArrayList<>();
        int max = java.util.Arrays.stream(countsPerDevice).max().orElse(0);
        for (int seq = 0; seq < max; seq++) {
            for (int device = 0; device < countsPerDevice.length; device++) {
                if (seq < countsPerDevice[device]) {
                    out.add(reading(device, seq, CHANNELS));
                }
            }
        }
        return out;
    }

    @Test
    void aWarmedUpWindowerEmitsExactlyTheWindowsOfAColdOneAndNoneOfItsWarmUp() throws Exception {
        List<SensorReading> input = interleaved(9, 7, 12);
        List<SensorWindow> cold = run(4, 2, input);
        List<SensorWindow> warm;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SlidingCountWindower(4, 2, CHANNELS, java.time.Duration.ofSeconds(30))),
                SensorReading::deviceId, Types.STRING)) {
            h.open();
            assertThat(h.extractOutputValues()).as("nothing of the warm-up is emitted").isEmpty();
            assertThat(h.numKeyedStateEntries()).as("nor kept in the keyed state").isZero();
            for (SensorReading r : input) {
                h.processElement(r, r.ts());
            }
            warm = new ArrayList<>(h.extractOutputValues());
        }
        assertThat(warm).isNotEmpty().containsExactlyElementsOf(cold);
        assertThat(warm).noneMatch(w -> w.deviceId().equals(SensorWarmup.DEVICE_ID));
    }

    @Test
    void windowKHoldsReadingsFromKTimesSlideToKTimesSlidePlusSizeInOrder() throws Exception {
        List<SensorWindow> windows = run(5, 2, readings(0, 14, CHANNELS));

        assertThat(windows)
                .containsExactly(
                        expectedWindow(0, 0, 5, 2, CHANNELS),
                        expectedWindow(0, 1, 5, 2, CHANNELS),
                        expectedWindow(0, 2, 5, 2, CHANNELS),
                        expectedWindow(0, 3, 5, 2, CHANNELS),
                        expectedWindow(0, 4, 5, 2, CHANNELS));
        // Spelled out once by hand: window 3 holds readings 6..10, values row-major.
        SensorWindow w3 = windows.get(3);
        assertThat(w3.index()).isEqualTo(3);
        assertThat(w3.size()).isEqualTo(5);
        assertThat(w3.values()).startsWith(6f, 6.1f, 6.2f, 7f, 7.1f, 7.2f).endsWith(10f, 10.1f, 10.2f);
        assertThat(w3.startTs()).isEqualTo(reading(0, 6, CHANNELS).ts());
        assertThat(w3.endTs()).isEqualTo(reading(0, 10, CHANNELS).ts());
        assertThat(w3.sourceTimestamp()).isEqualTo(reading(0, 10, CHANNELS).kafkaTimestamp());
        assertThat(w3.deviceId()).isEqualTo("dev-0");
        assertThat(w3.channels()).isEqualTo(CHANNELS);
    }

    @ParameterizedTest(name = "size {0}, slide {1}, {2} readings -> {3} windows")
    @CsvSource({
        "2, 1, 1, 0",
        "4, 1, 3, 0",
        "4, 1, 4, 1",
        "4, 1, 10, 7",
        "4, 4, 15, 3",
        "4, 4, 16, 4",
        "5, 2, 14, 5",
        "5, 2, 15, 6",
        "16, 4, 100, 22",
        "16, 16, 47, 2",
        "3, 3, 3, 1"
    })
    void emitsFloorOfReadingsMinusSizeOverSlidePlusOneFullWindowsPerDevice(
            int size, int slide, int n, int expectedCount) throws Exception {
        List<SensorWindow> windows = run(size, slide, readings(0, n, CHANNELS));

        assertThat(windows).hasSize(expectedCount);
        if (n >= size) {
            assertThat(expectedCount).isEqualTo((n - size) / slide + 1);
        }
        assertThat(windows).allSatisfy(w -> assertThat(w.size()).isEqualTo(size));
        assertThat(windows).containsExactlyElementsOf(expectedWindows(0, n, size, slide, CHANNELS));
    }

    @Test
    void emitsOnlyFullWindowsExactlyWhenTheirLastReadingArrives() throws Exception {
        int size = 4;
        int slide = 3;
        try (var h = harness(size, slide)) {
            h.open();
            List<Integer> emittedAfter = new ArrayList<>();
            for (int seq = 0; seq < 13; seq++) {
                int before = h.extractOutputValues().size();
                h.processElement(reading(0, seq, CHANNELS), 0L);
                int after = h.extractOutputValues().size();
                assertThat(after - before).isBetween(0, 1);
                if (after > before) {
                    emittedAfter.add(seq);
                }
            }
            // Windows [0,4), [3,7), [6,10), [9,13) end with readings 3, 6, 9, 12.
            assertThat(emittedAfter).containsExactly(3, 6, 9, 12);
            assertThat(h.extractOutputValues()).allSatisfy(w -> assertThat(w.size()).isEqualTo(size));
        }
    }

    @Test
    void devicesDoNotMixAndEachHasItsOwnWindowIndexes() throws Exception {
        int size = 4;
        int slide = 2;
        List<SensorWindow> windows = run(size, slide, interleaved(9, 4, 13, 3));

        Map<String, List<SensorWindow>> byDevice =
                windows.stream().collect(Collectors.groupingBy(SensorWindow::deviceId));
        assertThat(byDevice.get("dev-0")).containsExactlyElementsOf(expectedWindows(0, 9, size, slide, CHANNELS));
        assertThat(byDevice.get("dev-1")).containsExactlyElementsOf(expectedWindows(1, 4, size, slide, CHANNELS));
        assertThat(byDevice.get("dev-2")).containsExactlyElementsOf(expectedWindows(2, 13, size, slide, CHANNELS));
        assertThat(byDevice).doesNotContainKey("dev-3");
        assertThat(byDevice.get("dev-0")).extracting(SensorWindow::index).containsExactly(0L, 1L, 2L);
        assertThat(byDevice.get("dev-1")).extracting(SensorWindow::index).containsExactly(0L);
        assertThat(byDevice.get("dev-2")).extracting(SensorWindow::index).containsExactly(0L, 1L, 2L, 3L, 4L);
        // Every value in a device's window came from that device (value = device * 10000 + seq + c/10).
        for (SensorWindow w : windows) {
            int device = Integer.parseInt(w.deviceId().substring(4));
            for (float v : w.values()) {
                assertThat((int) v / 10_000).as("value %s in %s", v, w).isEqualTo(device);
            }
        }
    }

    @ParameterizedTest(name = "snapshot after {0} records")
    @ValueSource(ints = {0, 1, 5, 9, 16, 23, 30})
    void windowsAfterSnapshotAndRestoreAreIdenticalToAnUninterruptedRun(int cut) throws Exception {
        int size = 5;
        int slide = 2;
        List<SensorReading> input = interleaved(12, 9, 10);
        List<SensorWindow> uninterrupted = run(size, slide, input);

        List<SensorWindow> resumed = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var first = harness(size, slide)) {
            first.open();
            for (SensorReading r : input.subList(0, cut)) {
                first.processElement(r, r.ts());
            }
            resumed.addAll(first.extractOutputValues());
            snapshot = first.snapshot(1L, 1L);
        }
        try (var second = harness(size, slide)) {
            second.initializeState(snapshot);
            second.open();
            for (SensorReading r : input.subList(cut, input.size())) {
                second.processElement(r, r.ts());
            }
            resumed.addAll(second.extractOutputValues());
        }

        assertThat(uninterrupted).hasSize(4 + 3 + 3);
        assertThat(resumed).containsExactlyElementsOf(uninterrupted);
    }

    @Test
    void restoredStateKeepsCountingFromWhereTheSnapshotWasTaken() throws Exception {
        // 3 readings before the snapshot, 2 after: window 0 needs all 5, so it only exists if
        // the first 3 readings survived the restore.
        OperatorSubtaskState snapshot;
        try (var first = harness(5, 5)) {
            first.open();
            for (SensorReading r : readings(0, 3, CHANNELS)) {
                first.processElement(r, r.ts());
            }
            assertThat(first.extractOutputValues()).isEmpty();
            assertThat(first.numKeyedStateEntries()).isEqualTo(1);
            snapshot = first.snapshot(7L, 7L);
        }
        try (var second = harness(5, 5)) {
            second.initializeState(snapshot);
            second.open();
            second.processElement(reading(0, 3, CHANNELS), 0L);
            second.processElement(reading(0, 4, CHANNELS), 0L);

            assertThat(second.extractOutputValues()).containsExactly(expectedWindow(0, 0, 5, 5, CHANNELS));
        }
    }

    @Test
    void rejectsSizeBelowTwoSlideOutsideOneToSizeAndNoChannels() {
        assertThatThrownBy(() -> new SlidingCountWindower(1, 1, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("size 1");
        assertThatThrownBy(() -> new SlidingCountWindower(4, 0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slide 0");
        assertThatThrownBy(() -> new SlidingCountWindower(4, 5, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slide 5");
        assertThatThrownBy(() -> new SlidingCountWindower(4, 2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels 0");
    }
}

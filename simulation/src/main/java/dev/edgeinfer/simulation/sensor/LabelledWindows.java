package dev.edgeinfer.simulation.sensor;

import dev.edgeinfer.operators.sensor.SensorWindow;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The one place that defines how simulated readings become labelled windows.
 *
 * <p>Windows follow {@link SensorWindow}'s numbering: window {@code k} of a device holds its
 * readings {@code [k * slide, k * slide + size)}, and only complete windows exist. A window is
 * anomalous iff at least one of its readings is. Training (the model factory) and scoring (the
 * demo's precision/recall) both use this rule, so they measure the same thing.
 */
public final class LabelledWindows {

    private LabelledWindows() {}

    /**
     * Whether window {@code index} is anomalous, given which reading positions are.
     *
     * <p>Works on a stream as well as a list: the demo can record anomalous positions per device
     * (e.g. in a {@link java.util.BitSet}, {@code pos -> bits.get((int) pos)}) as it produces them.
     *
     * @param isAnomalousReading whether the device's reading at a position is anomalous
     * @param index the window's index
     * @param size readings per window
     * @param slide readings between window starts
     */
    public static boolean windowIsAnomalous(LongPredicate isAnomalousReading, long index, int size, int slide) {
        checkGeometry(size, slide);
        if (index < 0) {
            throw new IllegalArgumentException("window index must be >= 0, got " + index);
        }
        long start = index * slide;
        for (long pos = start; pos < start + size; pos++) {
            if (isAnomalousReading.test(pos)) {
                return true;
            }
        }
        return false;
    }

    /** Whether window {@code index} of {@code readings} is anomalous; the window must be complete. */
    public static boolean windowIsAnomalous(List<SimulatedReading> readings, long index, int size, int slide) {
        checkComplete(readings.size(), index, size, slide);
        return windowIsAnomalous(pos -> readings.get((int) pos).isAnomalous(), index, size, slide);
    }

    /** Number of complete windows over {@code readings} readings. */
    public static long windowCount(long readings, int size, int slide) {
        checkGeometry(size, slide);
        return readings < size ? 0 : (readings - size) / slide + 1;
    }

    /**
     * All complete windows over one device's readings, labelled.
     *
     * <p>Readings carry no time, so the windows' timestamps are reading positions: {@code startTs}
     * is the position of the oldest reading, {@code endTs} and {@code sourceTimestamp} that of the
     * newest.
     *
     * @param deviceId the device the readings belong to
     * @param readings the device's readings from position 0, all with the same channel count
     * @param size readings per window, at least 2
     * @param slide readings between window starts, at least 1
     */
    public static List<LabelledWindow> slide(String deviceId, List<SimulatedReading> readings, int size, int slide) {
        long count = windowCount(readings.size(), size, slide);
        List<LabelledWindow> out = new ArrayList<>((int) count);
        if (count == 0) {
            return out;
        }
        int channels = readings.get(0).channels();
        for (long k = 0; k < count; k++) {
            int start = (int) (k * slide);
            float[] values = new float[size * channels];
            EnumSet<AnomalyKind> anomalies = EnumSet.noneOf(AnomalyKind.class);
            for (int i = 0; i < size; i++) {
                SimulatedReading reading = readings.get(start + i);
                if (reading.channels() != channels) {
                    throw new IllegalArgumentException("reading " + (start + i) + " has "
                            + reading.channels() + " channels, expected " + channels);
                }
                System.arraycopy(reading.values(), 0, values, i * channels, channels);
                if (reading.isAnomalous()) {
                    anomalies.add(reading.anomaly());
                }
            }
            long end = start + size - 1L;
            SensorWindow window = new SensorWindow(deviceId, k, start, end, end, channels, values);
            out.add(new LabelledWindow(window, anomalies));
        }
        return out;
    }

    private static void checkGeometry(int size, int slide) {
        if (size < 2) {
            throw new IllegalArgumentException("window size must be >= 2, got " + size);
        }
        if (slide < 1) {
            throw new IllegalArgumentException("window slide must be >= 1, got " + slide);
        }
    }

    private static void checkComplete(int readings, long index, int size, int slide) {
        if (index < 0 || index >= windowCount(readings, size, slide)) {
            throw new IndexOutOfBoundsException("window " + index + " (size " + size + ", slide " + slide
                    + ") is not complete in " + readings + " readings");
        }
    }
}

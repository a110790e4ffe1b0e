package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.sensor.SensorReading;
import dev.edgeinfer.operators.sensor.SensorWindow;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic sensor readings for tests. Reading {@code seq} of a device has a value, event
 * time and Kafka timestamp that name both the device and the sequence number, so a window's
 * contents show exactly which readings it holds.
 */
public final class TestingReadings {

    /** Event time of reading 0. */
    public static final long BASE_TS = 1_764_280_000_000L;

    private TestingReadings() {}

    /** Reading {@code seq} of device {@code device} ({@code "dev-<device>"}). */
    public static SensorReading reading(int device, int seq, int channels) {
        float[] values = new float[channels];
        for (int c = 0; c < channels; c++) {
            values[c] = device * 10_000 + seq + c / 10f;
        }
        return new SensorReading(deviceId(device), eventTs(device, seq), values, kafkaTs(device, seq));
    }

    public static String deviceId(int device) {
        return "dev-" + device;
    }

    public static long eventTs(int device, int seq) {
        return BASE_TS + seq * 100L + device;
    }

    public static long kafkaTs(int device, int seq) {
        return eventTs(device, seq) + 7;
    }

    /** TestingReadings {@code 0 .. n-1} of one device. */
    public static List<SensorReading> readings(int device, int n, int channels) {
        List<SensorReading> out = new ArrayList<>(n);
        for (int seq = 0; seq < n; seq++) {
            out.add(reading(device, seq, channels));
        }
        return out;
    }

    /**
     * The window a correct sliding count windower emits as window {@code k} of {@code device}:
     * readings {@code [k * slide, k * slide + size)}, oldest first, built independently of the
     * code under test.
     */
    public static SensorWindow expectedWindow(int device, long k, int size, int slide, int channels) {
        int first = (int) (k * slide);
        int last = first + size - 1;
        float[] values = new float[size * channels];
        for (int i = 0; i < size; i++) {
            System.arraycopy(reading(device, first + i, channels).values(), 0, values, i * channels, channels);
        }
        return new SensorWindow(
                deviceId(device),
                k,
                eventTs(device, first),
                eventTs(device, last),
                kafkaTs(device, last),
                channels,
                values);
    }

    /** All windows of one device that has sent {@code n} readings. */
    public static List<SensorWindow> expectedWindows(int device, int n, int size, int slide, int channels) {
        List<SensorWindow> out = new ArrayList<>();
        for (long k = 0; k * slide + size <= n; k++) {
            out.add(expectedWindow(device, k, size, slide, channels));
        }
        return out;
    }
}

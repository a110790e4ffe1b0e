package dev.edgeinfer.operators.sensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A fixed-size, sliding count window of one device's readings, ready for feature extraction.
 *
 * <p>{@code values} is row-major: reading {@code i} (oldest first), channel {@code c} lives at
 * {@code values[i * channels + c]}. {@code index} numbers the device's windows from 0, so
 * {@code (deviceId, index)} identifies a window uniquely and deterministically: window {@code k}
 * holds the device's readings {@code [k * slide, k * slide + size)} in arrival order.
 *
 * <p>{@code sourceTimestamp} is the Kafka record timestamp of the newest reading; it lets a
 * consumer measure end-to-end latency from the moment that reading was produced.
 *
 * @param deviceId the device the readings came from
 * @param index the window's sequence number for this device (0, 1, 2, ...)
 * @param startTs event time (epoch ms) of the oldest reading
 * @param endTs event time (epoch ms) of the newest reading; the window's event time
 * @param sourceTimestamp Kafka timestamp (epoch ms) of the newest reading
 * @param channels values per reading
 * @param values the readings, row-major, {@code size * channels} floats
 */
public record SensorWindow(
        String deviceId,
        long index,
        long startTs,
        long endTs,
        long sourceTimestamp,
        int channels,
        float[] values) {

    public SensorWindow {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(values, "values");
        if (channels <= 0 || values.length % channels != 0) {
            throw new IllegalArgumentException(
                    "values.length " + values.length + " is not a multiple of channels " + channels);
        }
    }

    /** Number of readings in the window. */
    public int size() {
        return values.length / channels;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SensorWindow w)) {
            return false;
        }
        return index == w.index
                && startTs == w.startTs
                && endTs == w.endTs
                && sourceTimestamp == w.sourceTimestamp
                && channels == w.channels
                && deviceId.equals(w.deviceId)
                && Arrays.equals(values, w.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, index, endTs) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "SensorWindow{" + deviceId + "#" + index + ", ts=[" + startTs + ".." + endTs + "], "
                + size() + "x" + channels + "}";
    }
}

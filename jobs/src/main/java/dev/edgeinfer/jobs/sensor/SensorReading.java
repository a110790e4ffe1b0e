package dev.edgeinfer.jobs.sensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * One validated reading from {@code edge.sensor.readings}.
 *
 * @param deviceId the device (also the Kafka key)
 * @param ts event time, epoch milliseconds
 * @param values one finite value per channel
 * @param kafkaTimestamp the Kafka record's timestamp (when it was produced), for latency
 */
public record SensorReading(String deviceId, long ts, float[] values, long kafkaTimestamp) {

    public SensorReading {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(values, "values");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorReading r
                && ts == r.ts
                && kafkaTimestamp == r.kafkaTimestamp
                && deviceId.equals(r.deviceId)
                && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, ts) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "SensorReading{" + deviceId + "@" + ts + " " + Arrays.toString(values) + "}";
    }
}

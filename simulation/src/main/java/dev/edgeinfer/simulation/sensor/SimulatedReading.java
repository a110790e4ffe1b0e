package dev.edgeinfer.simulation.sensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * One reading of a simulated device: a value per channel and the ground-truth label.
 *
 * @param values one value per channel
 * @param anomaly the anomaly this reading is part of, {@link AnomalyKind#NONE} if normal
 */
public record SimulatedReading(float[] values, AnomalyKind anomaly) {

    public SimulatedReading {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(anomaly, "anomaly");
    }

    /** Whether the reading is part of an anomaly episode. */
    public boolean isAnomalous() {
        return anomaly.isAnomaly();
    }

    /** Number of channels. */
    public int channels() {
        return values.length;
    }

    @Override
    public boolean equals(Object o) {
        return this == o
                || (o instanceof SimulatedReading r && anomaly == r.anomaly && Arrays.equals(values, r.values));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values) * 31 + anomaly.hashCode();
    }

    @Override
    public String toString() {
        return "SimulatedReading{" + Arrays.toString(values) + ", " + anomaly + "}";
    }
}

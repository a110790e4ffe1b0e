package dev.edgeinfer.simulation.sensor;

import dev.edgeinfer.operators.sensor.SensorWindow;

import java.util.Objects;
import java.util.Set;

/**
 * A window of simulated readings with its ground truth.
 *
 * @param window the window, as the inference job would see it
 * @param anomalies the kinds of the anomalous readings in the window; empty if all are normal
 */
public record LabelledWindow(SensorWindow window, Set<AnomalyKind> anomalies) {

    public LabelledWindow {
        Objects.requireNonNull(window, "window");
        anomalies = Set.copyOf(anomalies);
    }

    /** The window's label: anomalous iff any of its readings is (see {@link LabelledWindows}). */
    public boolean anomalous() {
        return !anomalies.isEmpty();
    }
}

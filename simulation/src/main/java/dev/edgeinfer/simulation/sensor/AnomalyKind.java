package dev.edgeinfer.simulation.sensor;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What, if anything, is wrong with a simulated reading.
 *
 * <p>Each kind is one way a real sensor fails; {@link SensorSignal} injects them as episodes and
 * labels every reading of an episode with its kind.
 */
public enum AnomalyKind {
    /** A normal reading. */
    NONE,
    /** One reading in which one channel jumps by many standard deviations. */
    SPIKE,
    /** A channel ramps away from its normal level, linearly, over several readings. */
    DRIFT,
    /** A channel is stuck: it repeats the same value for several readings. */
    FLATLINE;

    /** All anomaly kinds (every kind but {@link #NONE}), unmodifiable. */
    public static Set<AnomalyKind> anomalies() {
        return Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.of(NONE)));
    }

    /** Whether this kind marks a reading as anomalous. */
    public boolean isAnomaly() {
        return this != NONE;
    }
}

package dev.edgeinfer.simulation.models;

import dev.edgeinfer.simulation.sensor.AnomalyKind;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that determines a sensor anomaly model: its identity, the window geometry it is
 * trained for, and its training data. Building the same spec twice gives the same bytes.
 *
 * @param name the model name, e.g. {@code sensor-anomaly}
 * @param version the version label, e.g. {@code v2}
 * @param channels values per reading
 * @param windowSize readings per window, at least 2
 * @param slide readings between window starts, at least 1
 * @param trainingKinds the anomaly kinds injected into the training data
 * @param trainingDevices simulated devices in the training data
 * @param readingsPerDevice readings simulated per training device
 * @param trainingAnomalyRate episode start probability in the training data (see
 *     {@link dev.edgeinfer.simulation.sensor.SensorSignal})
 * @param epochs passes of SGD over the training data
 * @param seed the seed of the training data and of the trainer
 */
public record SensorModelSpec(
        String name,
        String version,
        int channels,
        int windowSize,
        int slide,
        Set<AnomalyKind> trainingKinds,
        int trainingDevices,
        int readingsPerDevice,
        double trainingAnomalyRate,
        int epochs,
        long seed) {

    /** The default model name. */
    public static final String DEFAULT_NAME = "sensor-anomaly";
    /** Default values per reading. */
    public static final int DEFAULT_CHANNELS = 4;
    /** Default readings per window. */
    public static final int DEFAULT_WINDOW_SIZE = 16;
    /** Default readings between window starts. */
    public static final int DEFAULT_SLIDE = 4;

    public SensorModelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        if (name.isBlank() || version.isBlank()) {
            throw new IllegalArgumentException("name and version must not be blank");
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (windowSize < 2) {
            throw new IllegalArgumentException("windowSize must be >= 2, got " + windowSize);
        }
        if (slide < 1) {
            throw new IllegalArgumentException("slide must be >= 1, got " + slide);
        }
        if (trainingKinds.isEmpty() || trainingKinds.contains(AnomalyKind.NONE)) {
            throw new IllegalArgumentException("trainingKinds must name at least one anomaly kind, got "
                    + trainingKinds);
        }
        if (trainingDevices < 1 || readingsPerDevice < windowSize) {
            throw new IllegalArgumentException("need at least one device with a full window of readings");
        }
        if (!(trainingAnomalyRate > 0 && trainingAnomalyRate <= 1)) {
            throw new IllegalArgumentException("trainingAnomalyRate must be in (0, 1], got " + trainingAnomalyRate);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        trainingKinds = Set.copyOf(EnumSet.copyOf(trainingKinds));
    }

    /**
     * Version 1: little training data with spikes only, so it has never seen drift or a
     * flat-line and misses most of them.
     */
    public static SensorModelSpec v1() {
        return new SensorModelSpec(DEFAULT_NAME, "v1", DEFAULT_CHANNELS, DEFAULT_WINDOW_SIZE, DEFAULT_SLIDE,
                EnumSet.of(AnomalyKind.SPIKE), 16, 1_000, 0.01, 5, 101);
    }

    /** Version 2: more training data with all three anomaly kinds. */
    public static SensorModelSpec v2() {
        return new SensorModelSpec(DEFAULT_NAME, "v2", DEFAULT_CHANNELS, DEFAULT_WINDOW_SIZE, DEFAULT_SLIDE,
                EnumSet.of(AnomalyKind.SPIKE, AnomalyKind.DRIFT, AnomalyKind.FLATLINE), 48, 2_000, 0.01, 8, 202);
    }

    /** This spec for another window geometry. */
    public SensorModelSpec withGeometry(int channels, int windowSize, int slide) {
        return new SensorModelSpec(name, version, channels, windowSize, slide, trainingKinds, trainingDevices,
                readingsPerDevice, trainingAnomalyRate, epochs, seed);
    }

    /** This spec under another name. */
    public SensorModelSpec withName(String name) {
        return new SensorModelSpec(name, version, channels, windowSize, slide, trainingKinds, trainingDevices,
                readingsPerDevice, trainingAnomalyRate, epochs, seed);
    }

    /** The file name the factory writes: {@code <name>-<version>.onnx}. */
    public String fileName() {
        return name + "-" + version + ".onnx";
    }
}

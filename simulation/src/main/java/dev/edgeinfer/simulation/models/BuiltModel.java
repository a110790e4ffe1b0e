package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.simulation.sensor.AnomalyKind;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model file the factory wrote, with what a consumer needs to know about it.
 *
 * <p>The held-out numbers are measured on {@link SensorModelFactory#heldOutWindows}, the same
 * windows for every model of one geometry, with a window flagged when its score is at least
 * {@link SensorModelFactory#THRESHOLD}.
 *
 * @param id name, version and sha256 of the file
 * @param file where the ONNX file was written
 * @param channels values per reading the model expects
 * @param windowSize readings per window the model expects
 * @param featureCount width of the model's input, {@code [N, featureCount]}
 * @param inputName the graph input's name
 * @param outputName the graph output's name; a {@code [N, 1]} anomaly score in [0, 1]
 * @param heldOutPrecision flagged windows that are anomalous / flagged windows
 * @param heldOutRecall anomalous windows flagged / anomalous windows
 * @param heldOutRecallByKind recall over the windows that contain each anomaly kind
 */
public record BuiltModel(
        ModelId id,
        Path file,
        int channels,
        int windowSize,
        int featureCount,
        String inputName,
        String outputName,
        double heldOutPrecision,
        double heldOutRecall,
        Map<AnomalyKind, Double> heldOutRecallByKind) {

    public BuiltModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(file, "file");
        // An EnumMap keeps the kinds in declaration order for printing.
        EnumMap<AnomalyKind, Double> byKind = new EnumMap<>(AnomalyKind.class);
        byKind.putAll(heldOutRecallByKind);
        heldOutRecallByKind = Collections.unmodifiableMap(byKind);
    }
}

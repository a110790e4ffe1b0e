package dev.edgeinfer.cli.bench;

import java.util.List;
import java.util.Locale;

/** The scenarios {@code edgeinfer bench --scenario NAME} knows. */
public final class BenchScenarios {

    /** Every name {@code --scenario} accepts. */
    public static final List<String> NAMES = List.of("sensor", "frames");

    /** Not a workload but a run of the sensor one through many rollovers ({@link RolloverBench}). */
    public static final String ROLLOVERS = "rollovers";

    private BenchScenarios() {}

    /**
     * The scenario called {@code name}, with its default settings.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static BenchScenario<?, ?> forName(String name) {
        return forName(name, null);
    }

    /**
     * The scenario called {@code name}; {@code modelSize} is the square input of an image model
     * ({@code --model-size}; null: the scenario's default). Only {@code frames} takes one.
     *
     * @throws IllegalArgumentException for an unknown name, or a model size the scenario cannot take
     */
    public static BenchScenario<?, ?> forName(String name, Integer modelSize) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sensor" -> {
                if (modelSize != null) {
                    throw new IllegalArgumentException("--model-size applies to --scenario frames only (the sensor model "
                            + "takes a window of readings, not an image)");
                }
                yield new SensorBenchScenario();
            }
            case "frames" -> new FrameBenchScenario(modelSize != null ? modelSize : FrameBenchScenario.DEFAULT_MODEL_SIZE);
            default -> throw new IllegalArgumentException(
                    "unknown scenario '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}

package dev.edgeinfer.jobs.bench;

import java.util.List;
import java.util.Locale;

/** The scenarios {@code edgeinfer bench --scenario NAME} knows. */
public final class BenchScenarios {

    /** Every name {@code --scenario} accepts (some may not be implemented yet). */
    public static final List<String> NAMES = List.of("sensor", "frames");

    private BenchScenarios() {}

    /**
     * The scenario called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws UnsupportedOperationException for a scenario that is not built yet
     */
    public static BenchScenario<?, ?> forName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sensor" -> new SensorBenchScenario();
            case "frames" -> throw new UnsupportedOperationException(
                    "--scenario frames is not available yet: the frame pipeline is still being built. "
                            + "Implement BenchScenario for it (see SensorBenchScenario) and register it in BenchScenarios.");
            default -> throw new IllegalArgumentException(
                    "unknown scenario '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}

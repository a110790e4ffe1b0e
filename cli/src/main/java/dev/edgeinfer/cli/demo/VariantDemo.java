package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.cli.OptimizedRelease;
import dev.edgeinfer.simulation.models.MobileNetV2StyleModelFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code demo --frames --optimize}: builds the MobileNetV2-style classifier, makes its variants
 * with {@code edgeinfer optimize} on calibration frames, describes them as one multi-variant v1
 * release, and afterwards checks from the status topic and the results which variant every
 * subtask chose and that every v1 result names that variant's sha256.
 */
final class VariantDemo {

    private static final ObjectMapper JSON = new ObjectMapper();

    private VariantDemo() {}

    /** The optimized release and the latency budget the demo runs under. */
    record Prepared(ModelRelease release, Duration budget, List<String> skipped) {}

    /**
     * @param budget the budget to use, or null: 3x the fp32 original's batch-1 p50 (bare ONNX Runtime,
     *     as optimize measured it) times {@code batchSize}, plus 50 ms: room for the frame translator and a
     *     loaded machine, so no variant is refused for noise; among equally faithful variants the smallest
     *     file that fits serves
     */
    static Prepared prepare(Path modelsDir, int size, int batchSize, Duration budget, String model, PrintStream out)
            throws IOException {
        Path dir = modelsDir.resolve("optimized");
        MobileNetV2StyleModelFactory.BuiltMobileNet built = MobileNetV2StyleModelFactory.build(
                MobileNetV2StyleModelFactory.Spec.small().withSize(size), dir);
        PrintWriter log = new PrintWriter(out, true);
        OptimizedRelease.optimizeFrames(dir, built.file(), size, log);
        OptimizedRelease.Described described = OptimizedRelease.describe(dir, model, "v1", 0L, 100, "edgeinfer-demo",
                System.currentTimeMillis());
        Duration chosenBudget = budget;
        if (chosenBudget == null) {
            JsonNode report = JSON.readTree(dir.resolve("report.json").toFile());
            double fp32P50 = Double.NaN;
            for (JsonNode v : report.path("variants")) {
                if (v.path("name").asText().equals("original") && v.path("made").asBoolean()) {
                    fp32P50 = v.path("latency").path("p50Ms").asDouble();
                }
            }
            if (Double.isNaN(fp32P50)) {
                throw new IOException("optimize measured no original model; give --latency-budget");
            }
            chosenBudget = Duration.ofNanos(Math.round((3 * batchSize * fp32P50 + 50) * 1e6));
        }
        return new Prepared(described.release(), chosenBudget, described.skipped());
    }

    /**
     * What the sites chose for {@code release}: per subtask the chosen variant (from its STAGED
     * report), the first report's measurements, and the v1 results per sha256.
     */
    static FrameDemoReport.Variants summarize(ModelRelease release, Duration budget, List<ModelStatus> statuses,
            Map<String, Long> resultsPerVersionSha256) {
        Map<Integer, String> perSubtask = new TreeMap<>();
        List<Map<String, Object>> measurements = new ArrayList<>();
        Map<String, String> rejected = new TreeMap<>();
        for (ModelStatus s : statuses) {
            if (!release.releaseId().equals(s.releaseId())) {
                continue;
            }
            if (s.state() == ModelStatus.State.REJECTED) {
                rejected.put(String.valueOf(s.subtask()), s.reason());
                if (measurements.isEmpty() && s.detail() != null && s.detail().contains("{")) {
                    try {
                        for (JsonNode m : JSON.readTree(s.detail().substring(s.detail().indexOf('{'))).path("measurements")) {
                            measurements.add(JSON.convertValue(m, Map.class));
                        }
                    } catch (IOException e) {
                        // a rejection for another reason: its detail is no variant choice
                    }
                }
            }
            if (s.state() != ModelStatus.State.STAGED || s.detail() == null) {
                continue;
            }
            try {
                JsonNode choice = JSON.readTree(s.detail());
                JsonNode chosen = choice.path("chosen");
                perSubtask.put(s.subtask(), chosen.path("kind").asText() + "@" + chosen.path("sha256").asText());
                if (measurements.isEmpty()) {
                    for (JsonNode m : choice.path("measurements")) {
                        measurements.add(JSON.convertValue(m, Map.class));
                    }
                }
            } catch (IOException e) {
                perSubtask.put(s.subtask(), "unreadable: " + s.detail());
            }
        }
        Map<String, Long> results = new TreeMap<>();
        resultsPerVersionSha256.forEach((key, n) -> {
            if (key.startsWith(release.version() + "@")) {
                results.put(key.substring(release.version().length() + 1), n);
            }
        });
        String chosen = perSubtask.values().stream().distinct().count() == 1 ? perSubtask.values().iterator().next() : null;
        String chosenSha = chosen == null ? null : chosen.substring(chosen.indexOf('@') + 1);
        long naming = chosenSha == null ? 0 : results.getOrDefault(chosenSha, 0L);
        long all = results.values().stream().mapToLong(Long::longValue).sum();
        List<String> offered = release.variants().stream().map(ModelVariant::describe).toList();
        return new FrameDemoReport.Variants(chosen, perSubtask, measurements, offered, budget.toNanos() / 1e6,
                results, all - naming, rejected);
    }
}

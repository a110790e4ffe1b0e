package dev.edgeinfer.cli.demo;

import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer demo --frames --report FILE} writes. Field names are a contract: add
 * fields, never rename.
 *
 * @param inputs frame records produced (good and bad)
 * @param goodFrames good frames among them (each must get exactly one result)
 * @param results result records read (duplicates included)
 * @param duplicates results for a frame already seen
 * @param lost good frames with no result
 * @param deadLettered records read from the dead-letter topic
 * @param malformedInjected bad frames sent on purpose
 * @param perVersion distinct results per model version
 * @param accuracy share of distinct results whose top-1 label is the frame's true label
 * @param accuracyPerVersion the same per model version
 * @param latencyMs frame produced → its result readable by a consumer
 * @param deadLetterReasons dead letters per reason
 * @param rollover the v1 → v2 switch checked against the release timeline (null without rollover)
 * @param variants with {@code --optimize}: the variant each subtask chose for the multi-variant v1
 *     and what it measured (null otherwise)
 */
public record FrameDemoReport(
        long inputs,
        long goodFrames,
        long results,
        long duplicates,
        long lost,
        long deadLettered,
        long malformedInjected,
        Map<String, Long> perVersion,
        double accuracy,
        Map<String, Double> accuracyPerVersion,
        LatencyMs latencyMs,
        LatencyMs latencyMsFirst5s,
        LatencyMs latencyMsSteady,
        Map<String, Long> deadLetterReasons,
        Rollover rollover,
        Map<String, Long> statusCounts,
        Run run,
        Variants variants) implements DemoReport {

    /**
     * The variant choice of a multi-variant release.
     *
     * @param chosen {@code kind@sha256} every subtask chose, or null when they differ or none did
     * @param perSubtask the choice per subtask index
     * @param measurements what the (first reporting) TaskManager measured, as on the status topic
     * @param offered the release's variants ({@code kind sha256-prefix (fidelity)})
     * @param budgetMs {@code model.latency-budget}
     * @param resultsPerSha256 the release's results per sha256 they name
     * @param resultsNotNamingChosen the release's results naming another sha256 than the chosen one
     * @param rejectedBySubtask reasons of subtasks that rejected the release (e.g. LATENCY_BUDGET)
     */
    public record Variants(String chosen, Map<Integer, String> perSubtask, List<Map<String, Object>> measurements,
            List<String> offered, double budgetMs, Map<String, Long> resultsPerSha256, long resultsNotNamingChosen,
            Map<String, String> rejectedBySubtask) {

        /** Every subtask chose the same variant and every result of the release names it. */
        public boolean ok() {
            return chosen != null && resultsNotNamingChosen == 0 && rejectedBySubtask.isEmpty();
        }
    }

    /** How the demo ran. */
    public record Run(double durationSeconds, int parallelism, int cameras, double fps, String frameSize,
            String modelInput, String model, int availableProcessors, String javaVersion) {}

    /** Whether nothing was lost, every bad frame was dead-lettered and no result was misrouted. */
    @Override
    public boolean ok() {
        return lost == 0 && deadLettered == malformedInjected && (rollover == null || rollover.misrouted() == 0)
                && (variants == null || variants.ok());
    }

}

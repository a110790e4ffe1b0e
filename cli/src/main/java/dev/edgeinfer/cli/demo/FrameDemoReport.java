package dev.edgeinfer.cli.demo;

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
        Run run) implements DemoReport {

    /** How the demo ran. */
    public record Run(double durationSeconds, int parallelism, int cameras, double fps, String frameSize,
            String modelInput, String model, int availableProcessors, String javaVersion) {}

    /** Whether nothing was lost, every bad frame was dead-lettered and no result was misrouted. */
    @Override
    public boolean ok() {
        return lost == 0 && deadLettered == malformedInjected && (rollover == null || rollover.misrouted() == 0);
    }

}

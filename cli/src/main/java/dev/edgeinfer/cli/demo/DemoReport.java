package dev.edgeinfer.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code edgeinfer demo --report FILE} writes. Field names are a contract (scripts and CI
 * read them): add fields, never rename.
 *
 * @param inputs records produced to the readings topic (valid and malformed)
 * @param validReadings valid readings among them
 * @param windows windows the pipeline had to produce for those readings
 * @param results result records read from the results topic (duplicates included)
 * @param duplicates results for a window already seen
 * @param lost expected windows with no result
 * @param deadLettered records read from the dead-letter topic
 * @param malformedInjected malformed records the simulator sent on purpose
 * @param perVersion distinct results per model version
 * @param anomaly detection quality over distinct results
 * @param latencyMs end-to-end latency: reading produced to its result readable by a consumer
 */
public record DemoReport(
        long inputs,
        long validReadings,
        long windows,
        long results,
        long duplicates,
        long lost,
        long deadLettered,
        long malformedInjected,
        Map<String, Long> perVersion,
        Anomaly anomaly,
        Map<String, Anomaly> anomalyPerVersion,
        LatencyMs latencyMs,
        Map<String, Long> deadLetterReasons,
        Rollover rollover,
        BadReleaseSummary badReleases,
        Map<String, Long> statusCounts,
        Run run) {

    /**
     * What happened to the deliberately bad releases ({@code --bad-releases}).
     *
     * @param sent bad control records published
     * @param rejected how many of them were reported REJECTED (by at least one subtask)
     * @param reasons rejected releases per reported reason
     * @param unexpected releases rejected with another reason than the one they were built for
     */
    public record BadReleaseSummary(long sent, long rejected, Map<String, Long> reasons, Map<String, String> unexpected) {}

    /**
     * The switch from one version to the next, checked against the release timeline.
     *
     * @param model the model rolled over
     * @param fromVersion the version serving before
     * @param toVersion the version serving after
     * @param activateAt the activation's event time (epoch ms)
     * @param activateAtIso the same, readable
     * @param maxEventTimeOld the newest window event time scored by {@code fromVersion}
     * @param minEventTimeNew the oldest window event time scored by {@code toVersion}
     * @param misrouted results whose version differs from what the timeline assigns their event time
     * @param p99WindowMs end-to-end p99 of windows with event time within 2.5 s of the switch
     * @param p99SteadyMs end-to-end p99 of all other windows (after the first 5 s of warm-up)
     * @param leadSeconds how far ahead of the switch the release was published
     */
    public record Rollover(
            String model,
            String fromVersion,
            String toVersion,
            long activateAt,
            String activateAtIso,
            Long maxEventTimeOld,
            Long minEventTimeNew,
            long misrouted,
            double p99WindowMs,
            double p99SteadyMs,
            double leadSeconds) {}

    /** Precision and recall with the confusion counts behind them. */
    public record Anomaly(double precision, double recall, long truePositives, long falsePositives, long falseNegatives) {
        static Anomaly of(SensorResultTracker.Quality q) {
            return new Anomaly(
                    round(q.precision()), round(q.recall()), q.truePositives(), q.falsePositives(), q.falseNegatives());
        }
    }

    /** Latency percentiles in milliseconds. */
    public record LatencyMs(double p50, double p99, double max, long samples) {}

    /** How the demo ran. */
    public record Run(
            double durationSeconds,
            int parallelism,
            int devices,
            double ratePerSecond,
            String deliveryGuarantee,
            String model,
            int availableProcessors,
            String javaVersion) {}

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    public void writeTo(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    public static DemoReport readFrom(Path file) throws IOException {
        return JSON.readValue(file.toFile(), DemoReport.class);
    }
}

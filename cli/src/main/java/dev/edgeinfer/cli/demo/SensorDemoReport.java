package dev.edgeinfer.cli.demo;


import java.io.IOException;
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
public record SensorDemoReport(
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
        LatencyMs latencyMsFirst5s,
        LatencyMs latencyMsSteady,
        Map<String, Long> deadLetterReasons,
        Rollover rollover,
        BadReleaseSummary badReleases,
        Map<String, Long> statusCounts,
        Run run) implements DemoReport {

    /**
     * What happened to the deliberately bad releases ({@code --bad-releases}).
     *
     * @param sent bad control records published
     * @param rejected how many of them were reported REJECTED (by at least one subtask)
     * @param reasons rejected releases per reported reason
     * @param unexpected releases rejected with another reason than the one they were built for
     */
    public record BadReleaseSummary(long sent, long rejected, Map<String, Long> reasons, Map<String, String> unexpected) {}

    /** Precision and recall with the confusion counts behind them. */
    public record Anomaly(double precision, double recall, long truePositives, long falsePositives, long falseNegatives) {
        static Anomaly of(SensorResultTracker.Quality q) {
            return new Anomaly(
                    DemoReport.round(q.precision()), DemoReport.round(q.recall()), q.truePositives(), q.falsePositives(), q.falseNegatives());
        }
    }

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

    /** Nothing lost, every malformed record dead-lettered, no result misrouted, every bad release rejected. */
    @Override
    public boolean ok() {
        return lost == 0 && deadLettered == malformedInjected
                && (rollover == null || rollover.misrouted() == 0)
                && (badReleases == null || badReleases.rejected() == badReleases.sent());
    }

    public static SensorDemoReport readFrom(Path file) throws IOException {
        return DemoReport.JSON.readValue(file.toFile(), SensorDemoReport.class);
    }
}

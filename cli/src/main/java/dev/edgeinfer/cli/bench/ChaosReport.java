package dev.edgeinfer.cli.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer bench --scenario chaos} measured (its {@code --json}): the load and what
 * came of it ({@code inputs}, expected and distinct {@code results}, {@code lost},
 * {@code duplicates}, {@code misrouted}), rejections by reason (dead letters and release
 * verdicts), every injected fault and whether it was observed and counted, the longest silence
 * between two heartbeats of a subtask, and latency of the records that did not wait for the
 * failover. {@link #passed()} is the exit status: nothing lost, misaligned or misrouted, every fault
 * counted.
 *
 * @param inputs readings sent by the open-loop load (valid ones; bad readings are faults)
 * @param expectedResults windows the valid readings make
 * @param results distinct windows scored
 * @param lost expected windows never scored
 * @param duplicates windows scored more than once (at-least-once: replays after the failover)
 * @param misaligned scored windows that should not exist: their end is not the reading their index
 *     names (a device's count windows shifted by lost or double-counted state); not counted as scored
 * @param misrouted results scored by another version than the release timeline assigns
 * @param perVersion results by model version
 * @param deadLettersByReason dead letters by reason
 * @param releaseRejectionsByReason distinct (control record, reason) verdicts on the status topic
 * @param faults every injected fault
 * @param longestHeartbeatGapMs the longest time between two consecutive heartbeats of one subtask
 * @param latencyMs latency of the records not waiting for the failover (sent outside it, after the warm-up)
 * @param failover when the TaskManager was killed and when heartbeats resumed, seconds after the load started
 */
public record ChaosReport(
        String scenario,
        long inputs,
        long expectedResults,
        long results,
        long lost,
        long duplicates,
        long misaligned,
        long misrouted,
        Map<String, Long> perVersion,
        Map<String, Long> deadLettersByReason,
        Map<String, Long> releaseRejectionsByReason,
        List<Fault> faults,
        long longestHeartbeatGapMs,
        Latency latencyMs,
        Failover failover,
        BenchReport.Machine machine,
        Settings settings,
        boolean passed) {

    /**
     * One kind of injected fault.
     *
     * @param kind e.g. {@code taskmanager-kill}, {@code bad-release:CHECKSUM_MISMATCH},
     *     {@code control-flood}, {@code bad-reading:NOT_JSON}
     * @param injected how many were injected
     * @param observed how many were seen answered (a failover, a verdict, a dead letter)
     * @param counted every injected one observed, with the expected reason
     * @param detail what was expected or seen, for people
     */
    public record Fault(String kind, long injected, long observed, boolean counted, String detail) {}

    /** Latency percentiles (ms) of {@code count} records; {@code excluded} sent around the failover or in the warm-up. */
    public record Latency(double p50, double p99, double max, long count, long excluded) {}

    /** Seconds after the load started; {@code recoveredAt} -1 if heartbeats never resumed. */
    public record Failover(double killedAt, double recoveredAt, double excludedFrom, double excludedUntil) {}

    public record Settings(double rate, double durationSeconds, int parallelism, int devices, int taskManagers,
            String deliveryGuarantee, double warmupSeconds, long checkpointIntervalMs, int controlFlood, long seed) {}

    /** Writes the report as indented JSON. */
    public void writeTo(Path file) throws IOException {
        BenchReport.writeJson(this, file);
    }
}

package dev.edgeinfer.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer bench --scenario rollovers} measured: the process after every rollover
 * (resident memory, heap, open ONNX Runtime sessions) and the latency around every switch, and
 * the verdict: resident memory must not grow by more than {@link #MAX_RSS_GROWTH_PERCENT} from
 * the first rollovers to the last, and the open sessions must not grow with the number of
 * rollovers (the second half's most at most one per subtask above the first half's).
 *
 * @param rollovers one entry per rollover, in order
 * @param summary the verdict
 * @param settings what the run was asked to do
 * @param machine where it ran
 */
public record RolloverReport(List<Rollover> rollovers, Summary summary, Settings settings, BenchReport.Machine machine) {

    /** Largest resident-memory growth that passes, percent. */
    public static final double MAX_RSS_GROWTH_PERCENT = 5.0;

    /**
     * The process right before the next rollover is published, and the switch's latency.
     *
     * @param index 1-based
     * @param version the version that took over
     * @param activateAtSeconds its activation, seconds after the load started
     * @param rssMb resident memory of this process (the broker, the MiniCluster and the load in one JVM), MiB
     * @param heapUsedMb Java heap in use, MiB
     * @param openSessions ONNX Runtime sessions open in this JVM
     * @param p99AroundSwitchMs p99 of the outputs whose event time lies within half an interval of the switch
     * @param samplesAroundSwitch how many outputs that p99 is over
     */
    public record Rollover(int index, String version, double activateAtSeconds, double rssMb, double heapUsedMb,
            int openSessions, double p99AroundSwitchMs, long samplesAroundSwitch) {}

    /**
     * @param baselineRssMb median resident memory over the first fifth of the rollovers (at least the first one)
     * @param finalRssMb median over the last fifth
     * @param rssGrowthPercent growth from the one to the other
     * @param maxSessionsFirstHalf most sessions open after a rollover in the first half of the run
     * @param maxSessionsSecondHalf the same in the second half: bounded means not more than in the first
     *     plus one per subtask (a load in flight when the sample was taken)
     * @param lost outputs expected and never seen
     * @param duplicates outputs seen twice
     * @param misrouted outputs scored by another version than the release timeline assigns
     * @param perVersion outputs by version
     * @param passed RSS growth within the limit, sessions bounded, nothing lost or misrouted
     */
    public record Summary(double baselineRssMb, double finalRssMb, double rssGrowthPercent, int maxSessionsFirstHalf,
            int maxSessionsSecondHalf, long lost, long duplicates, long misrouted, Map<String, Long> perVersion,
            boolean passed) {}

    /** The run's settings. */
    public record Settings(int count, double rate, double intervalSeconds, double leadSeconds, int parallelism,
            int batchSize, int devices, long seed) {}

    /** The verdict over {@code rollovers} (in order) and the outputs' books. */
    static Summary summarize(List<Rollover> rollovers, int parallelism, long lost, long duplicates, long misrouted,
            Map<String, Long> perVersion) {
        int fifth = Math.max(1, rollovers.size() / 5);
        double baseline = median(rollovers.subList(0, fifth));
        double last = median(rollovers.subList(rollovers.size() - fifth, rollovers.size()));
        double growth = baseline > 0 ? Math.round((last - baseline) / baseline * 1000.0) / 10.0 : 0;
        int half = (rollovers.size() + 1) / 2;
        int firstHalf = rollovers.subList(0, half).stream().mapToInt(Rollover::openSessions).max().orElse(0);
        int secondHalf = rollovers.subList(half, rollovers.size()).stream().mapToInt(Rollover::openSessions).max()
                .orElse(firstHalf);
        boolean passed = growth <= MAX_RSS_GROWTH_PERCENT && secondHalf <= firstHalf + parallelism && lost == 0
                && misrouted == 0;
        return new Summary(baseline, last, growth, firstHalf, secondHalf, lost, duplicates, misrouted, perVersion, passed);
    }

    private static double median(List<Rollover> rollovers) {
        List<Double> rss = new ArrayList<>(rollovers.stream().map(Rollover::rssMb).toList());
        rss.sort(Comparator.naturalOrder());
        int n = rss.size();
        return n == 0 ? 0 : n % 2 == 1 ? rss.get(n / 2) : (rss.get(n / 2 - 1) + rss.get(n / 2)) / 2;
    }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public void writeTo(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writeValueAsString(this));
    }
}

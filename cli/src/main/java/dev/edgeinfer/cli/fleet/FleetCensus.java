package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The fleet as the status and control topics tell it: one {@link Row} per site, job and model,
 * with the version it serves, its health over the latest heartbeats, and flags. Fed record by
 * record (in any order per key); it holds only the latest heartbeat round of each subtask and a
 * bounded window of the release history ({@link ReleaseHistory}), so its memory does not grow with
 * the length of either topic.
 *
 * <pre>{@code
 * FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
 * census.release(r);  census.advisory(a);  census.status(valueBytes, "edge.models.status/0@17");
 * List<FleetCensus.Row> rows = census.rows(System.currentTimeMillis());
 * FleetCensus.Skipped skipped = census.skipped();
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A status record that does not parse is counted by reason in
 * {@link #skipped()} (the first {@value #MAX_EXAMPLES} with where and why) and otherwise skipped: it
 * never stops the census. The rules of the flags and fields are in {@link CensusRows} and
 * docs/fleet.md. A subtask's latest round is the set of its heartbeats within half an interval of
 * its newest one; a newer round replaces it (a restarted or recovered job shows its new state, not
 * a mix). Not thread-safe.
 */
public final class FleetCensus {

    /** Most skipped records listed with where and why (all are counted). */
    public static final int MAX_EXAMPLES = 20;

    /**
     * Thresholds of the flags.
     *
     * @param silentAfter SILENT: no heartbeat for this long
     * @param maxErrorRate PROBLEMATIC: errors above this share of the records
     * @param maxPsi DIVERGENT: PSI of the score distribution against the fleet's above this
     * @param staleReleases STALE: behind the newest release for the site by at least this many releases
     * @param staleAfter STALE: or behind for at least this long (event time since the first release missed)
     * @param keepReleasesPerTarget how many activations of one model and target the census keeps
     */
    public record Policy(Duration silentAfter, double maxErrorRate, double maxPsi, int staleReleases,
            Duration staleAfter, int keepReleasesPerTarget) {
        public static final Policy DEFAULTS = new Policy(Duration.ofSeconds(60), 0.01, 0.25, 1, Duration.ofDays(1), 64);

        public Policy {
            if (silentAfter.isNegative() || staleAfter.isNegative()) {
                throw new IllegalArgumentException("silentAfter and staleAfter must not be negative, got "
                        + silentAfter + " and " + staleAfter);
            }
            if (staleReleases < 1 || keepReleasesPerTarget < 1) {
                throw new IllegalArgumentException("staleReleases and keepReleasesPerTarget must be at least 1, got "
                        + staleReleases + " and " + keepReleasesPerTarget);
            }
        }

        /** The given flag thresholds, the defaults for the rest. */
        public Policy(Duration silentAfter, double maxErrorRate, double maxPsi) {
            this(silentAfter, maxErrorRate, maxPsi, DEFAULTS.staleReleases, DEFAULTS.staleAfter,
                    DEFAULTS.keepReleasesPerTarget);
        }
    }

    /** What may be wrong with a row. */
    public enum Flag { STALE, SILENT, PROBLEMATIC, DIVERGENT }

    /**
     * One site, job and model (fields documented in docs/fleet.md).
     *
     * @param serving the version that scored most in the latest heartbeats (when none scored, the newest active one)
     * @param variant which build of it scored (its sha256, or the variant's)
     * @param expected the version the newest full release for the site names, by the site's watermark; null if none
     * @param releasesBehind full releases for the site activated after the serving version's
     * @param canary the version of a canary in progress at the site, or null; {@code canaryPercent} its share
     * @param shadow the version(s) the site scores in shadow (heartbeats of a release id ending in
     *     {@code @shadow}), or null; their records are not counted in the row
     * @param shadowAgreement the shadow's share of decisions that agree with the serving version
     *     (agreed / compared over the latest shadow heartbeats of every subtask), or null when none
     *     were compared
     * @param staged the other versions the subtasks hold loaded (staged, canary or retiring)
     * @param subtasks how many subtasks report
     * @param topClass the most frequent top-1 class of the serving version (classifiers), or null
     */
    public record Row(String site, String job, String model, String serving, String variant, String expected,
            int releasesBehind, String canary, Integer canaryPercent, String shadow, Double shadowAgreement, List<String> staged, int subtasks,
            long heartbeatAgeMillis, double recordsPerSecond, long scored, long errors, Long p99Micros,
            double anomalyRate, Integer topClass, double topClassRate, Set<Flag> flags) {}

    /** One skipped record: where it was ({@code topic/partition@offset}), why, and the detail. */
    public record SkippedRecord(String where, String reason, String detail) {
        @Override
        public String toString() {
            return where + ": " + reason + " " + detail;
        }
    }

    /** The records skipped: how many, how many per reason, and the first {@value #MAX_EXAMPLES}. */
    public record Skipped(long count, Map<String, Long> byReason, List<SkippedRecord> examples) {}

    private final Policy policy;
    private final ReleaseHistory history;
    /** site/job/model -> subtask -> its latest heartbeat round. */
    private final Map<String, Map<Integer, Round>> rounds = new TreeMap<>();
    private long skippedCount;
    private final Map<String, Long> skippedByReason = new TreeMap<>();
    private final List<SkippedRecord> examples = new ArrayList<>();

    public FleetCensus(Policy policy) {
        this(policy, System::currentTimeMillis);
    }

    /** With {@code clock} (epoch ms) telling which releases are past: the history keeps a bounded number of those. */
    public FleetCensus(Policy policy, LongSupplier clock) {
        this.policy = policy;
        this.history = new ReleaseHistory(policy.keepReleasesPerTarget(), clock);
    }

    public void release(ModelRelease release) {
        history.add(release);
    }

    public void advisory(DeprecationAdvisory advisory) {
        history.add(advisory);
    }

    /** One status-topic value; {@code where} names the record in {@link #skipped()} if it is bad. */
    public void status(byte[] value, String where) {
        if (value == null) {
            skip(where, "TOMBSTONE", "a status record without a value");
            return;
        }
        ModelStatus s;
        try {
            s = ModelStatusJson.fromJson(value);
        } catch (InvalidReleaseException e) {
            skip(where, e.reason().name(), e.getMessage());
            return;
        }
        if (s.state() != ModelStatus.State.HEARTBEAT || s.health() == null) {
            return; // transitions, and heartbeats of builds before health: valid, and not what the census counts
        }
        if (s.version() == null) {
            skip(where, "MISSING_FIELD", "a heartbeat without a version");
            return;
        }
        rounds.computeIfAbsent(s.site() + "/" + s.job() + "/" + s.model(), k -> new TreeMap<>())
                .computeIfAbsent(s.subtask(), k -> new Round())
                .add(s);
    }

    /** Counts a record that cannot be used (e.g. a bad control record), with where and why. */
    public void skip(String where, String reason, String detail) {
        skippedCount++;
        skippedByReason.merge(reason, 1L, Long::sum);
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(new SkippedRecord(where, reason, detail));
        }
    }

    public Skipped skipped() {
        return new Skipped(skippedCount, Map.copyOf(skippedByReason), List.copyOf(examples));
    }

    /** The first skipped records as {@code where: REASON detail}. */
    public List<String> badRecords() {
        return examples.stream().map(SkippedRecord::toString).toList();
    }

    /** How many releases the census holds (bounded however long the control topic's history). */
    public int retainedReleases() {
        return history.retained();
    }

    /** The rows at wall-clock {@code now}, ordered by site, job and model. */
    public List<Row> rows(long now) {
        Map<String, List<ModelStatus>> latest = new TreeMap<>();
        rounds.forEach((key, subtasks) -> latest.put(key, live(subtasks.values())));
        return new CensusRows(policy, history).rows(latest.values(), now);
    }

    /** The beats of the subtasks that reported within {@code silentAfter} of the row's newest report. */
    private List<ModelStatus> live(Collection<Round> subtasks) {
        long newest = subtasks.stream().mapToLong(r -> r.at).max().orElse(0);
        List<ModelStatus> beats = new ArrayList<>();
        for (Round r : subtasks) {
            if (newest - r.at <= policy.silentAfter().toMillis()) {
                beats.addAll(r.byVersion.values());
            }
        }
        return beats;
    }

    /** One subtask's newest heartbeats: one per version, within half an interval of each other. */
    private static final class Round {
        long at = Long.MIN_VALUE;
        final Map<String, ModelStatus> byVersion = new TreeMap<>();

        void add(ModelStatus s) {
            long tolerance = Math.max(1, s.health().intervalMillis() / 2);
            if (s.at() > at + tolerance) {
                byVersion.clear(); // a newer round: what the subtask holds now
            } else if (s.at() < at - tolerance) {
                return; // from an older round, read late
            }
            byVersion.merge(s.version(), s, (a, b) -> a.at() >= b.at() ? a : b);
            at = Math.max(at, s.at());
        }
    }
}

package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The fleet as the status and control topics tell it: one {@link Row} per site, job and model,
 * with the version it serves, its health over the latest heartbeats, and flags. Fed record by
 * record (in any order per key); it holds only the latest heartbeat per subtask and version.
 *
 * <pre>{@code
 * FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
 * census.release(r);  census.advisory(a);  census.status(valueBytes, "edge.models.status/0@17");
 * List<FleetCensus.Row> rows = census.rows(System.currentTimeMillis());
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A status record that does not parse is counted and listed in
 * {@link #badRecords()} and otherwise skipped: it never stops the census. Flags: {@code SILENT} (no
 * heartbeat for {@link Policy#silentAfter}), {@code STALE} (the newest release that applies to the
 * site, at or before now, is another version), {@code PROBLEMATIC} (serving a deprecated version,
 * or an error rate above {@link Policy#maxErrorRate}), {@code DIVERGENT} (the PSI of its score
 * distribution against the rest of the fleet on the same version exceeds {@link Policy#maxPsi}).
 * Site labels are learnt from heartbeats; a site that never sent one is judged by its id only.
 * Heartbeats of a shadow version (their health carries a {@code shadow} block) never count as
 * serving: they only give the row its {@code shadow} version and its agreement with the serving
 * one (agreed / compared over the latest shadow heartbeats of every subtask).
 */
public final class FleetCensus {

    /** Thresholds of the flags. */
    public record Policy(Duration silentAfter, double maxErrorRate, double maxPsi) {
        public static final Policy DEFAULTS = new Policy(Duration.ofSeconds(60), 0.01, 0.25);
    }

    /** What may be wrong with a row. */
    public enum Flag { STALE, SILENT, PROBLEMATIC, DIVERGENT }

    /**
     * One site, job and model; {@code shadow} is the version scored in shadow there (null: none),
     * {@code shadowAgreement} its share of decisions that agree with the serving version (null:
     * nothing compared yet).
     */
    public record Row(String site, String job, String model, String serving, long heartbeatAgeMillis,
            double recordsPerSecond, long errors, Long p99Micros, double anomalyRate, Set<Flag> flags, String shadow,
            Double shadowAgreement) {}

    private final Policy policy;
    private final List<ModelRelease> releases = new ArrayList<>();
    private final Map<String, DeprecationAdvisory> advisories = new HashMap<>();
    /** site/job/model -> "subtask/version" -> latest heartbeat. */
    private final Map<String, Map<String, ModelStatus>> beats = new TreeMap<>();
    private final List<String> badRecords = new ArrayList<>();

    public FleetCensus(Policy policy) {
        this.policy = policy;
    }

    public void release(ModelRelease release) {
        releases.add(release);
    }

    public void advisory(DeprecationAdvisory advisory) {
        advisories.put(advisory.advisoryId(), advisory);
    }

    /** One status-topic value; {@code where} names the record in {@link #badRecords()} if it is bad. */
    public void status(byte[] value, String where) {
        ModelStatus s;
        try {
            s = ModelStatusJson.fromJson(value);
        } catch (InvalidReleaseException e) {
            badRecords.add(where + ": " + e.reason() + " " + e.getMessage());
            return;
        }
        if (s.state() == ModelStatus.State.HEARTBEAT && s.health() != null && s.version() != null) {
            String version = s.version() + (isShadow(s) ? "/shadow" : "");
            beats.computeIfAbsent(s.site() + "/" + s.job() + "/" + s.model(), k -> new TreeMap<>())
                    .merge(s.subtask() + "/" + version, s, (a, b) -> a.at() >= b.at() ? a : b);
        }
    }

    /** The status records skipped because they did not parse, with why. */
    public List<String> badRecords() {
        return List.copyOf(badRecords);
    }

    public List<Row> rows(long now) {
        ReleaseTimeline timeline = ReleaseTimeline.of(releases);
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, ModelStatus>> e : beats.entrySet()) {
            rows.add(row(e.getValue().values(), timeline, now));
        }
        return rows;
    }

    private static boolean isShadow(ModelStatus s) {
        return s.health() != null && s.health().shadow() != null;
    }

    private Row row(java.util.Collection<ModelStatus> all, ReleaseTimeline timeline, long now) {
        ModelStatus any = all.iterator().next();
        long newest = all.stream().mapToLong(ModelStatus::at).max().orElse(0);
        List<ModelStatus> latest = all.stream().filter(s -> !isShadow(s)).toList();
        List<ModelStatus> shadows = all.stream().filter(FleetCensus::isShadow).toList();
        // Serving: the version that scored most records in the latest heartbeats.
        Map<String, Long> byVersion = new TreeMap<>();
        long scored = 0;
        long errors = 0;
        long anomalies = 0;
        double perSecond = 0;
        Long p99 = null;
        for (ModelStatus s : latest) {
            ModelHealth h = s.health();
            byVersion.merge(s.version(), h.scored(), Long::sum);
            scored += h.scored();
            errors += h.errors();
            anomalies += h.anomalies();
            perSecond += h.intervalMillis() == 0 ? 0 : h.scored() * 1000.0 / h.intervalMillis();
            if (h.latencyP99Micros() != null) {
                p99 = p99 == null ? h.latencyP99Micros() : Math.max(p99, h.latencyP99Micros());
            }
        }
        String serving = byVersion.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(any.version());
        Set<Flag> flags = EnumSet.noneOf(Flag.class);
        if (now - newest > policy.silentAfter().toMillis()) {
            flags.add(Flag.SILENT);
        }
        SiteIdentity site = new SiteIdentity(any.site(), any.health().siteLabels());
        Optional<ModelRelease> expected = timeline.forSite(site).activations(any.model()).stream()
                .filter(r -> r.activateAt() <= now && !r.isCanary()).reduce((a, b) -> b);
        if (expected.isPresent() && !expected.get().version().equals(serving)) {
            flags.add(Flag.STALE);
        }
        boolean deprecated = advisories.values().stream()
                .anyMatch(a -> a.model().equals(any.model()) && a.version().equals(serving));
        if (deprecated || (scored + errors > 0 && (double) errors / (scored + errors) > policy.maxErrorRate())) {
            flags.add(Flag.PROBLEMATIC);
        }
        if (psi(all, serving) > policy.maxPsi()) {
            flags.add(Flag.DIVERGENT);
        }
        Map<String, long[]> comparedByVersion = new TreeMap<>(); // version -> {compared, agreed}
        for (ModelStatus s : shadows) {
            long[] c = comparedByVersion.computeIfAbsent(s.version(), v -> new long[2]);
            c[0] += s.health().shadow().compared();
            c[1] += s.health().shadow().agreed();
        }
        Map.Entry<String, long[]> shadow = comparedByVersion.entrySet().stream()
                .max(java.util.Comparator.comparingLong(e -> e.getValue()[0])).orElse(null);
        return new Row(any.site(), any.job(), any.model(), serving, Math.max(0, now - newest), perSecond, errors, p99,
                scored == 0 ? 0 : (double) anomalies / scored, flags, shadow == null ? null : shadow.getKey(),
                shadow == null || shadow.getValue()[0] == 0 ? null : (double) shadow.getValue()[1] / shadow.getValue()[0]);
    }

    /**
     * PSI of this row's score bins of {@code version} against the fleet's: the per-bin median of
     * the other rows' shares on the same model and version (robust to one drifted site), 0 when
     * fewer than two other rows serve it.
     */
    private double psi(java.util.Collection<ModelStatus> mine, String version) {
        String model = mine.iterator().next().model();
        double[] own = shares(mine, model, version);
        List<double[]> others = new ArrayList<>();
        for (Map<String, ModelStatus> other : beats.values()) {
            double[] theirs = shares(other.values(), model, version);
            if (other.values() != mine && theirs != null) {
                others.add(theirs);
            }
        }
        if (own == null || others.size() < 2) {
            return 0;
        }
        double[] median = new double[own.length];
        for (int b = 0; b < own.length; b++) {
            double[] column = new double[others.size()];
            for (int o = 0; o < column.length; o++) {
                column[o] = others.get(o)[b];
            }
            java.util.Arrays.sort(column);
            int n = column.length;
            median[b] = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
        }
        return Psi.of(own, median);
    }

    /** The share of each score bin over the heartbeats of {@code model} {@code version}, or null when none. */
    private static double[] shares(java.util.Collection<ModelStatus> beats, String model, String version) {
        long[] counts = new long[ModelHealth.SCORE_BINS];
        long total = 0;
        for (ModelStatus s : beats) {
            if (s.model().equals(model) && s.version().equals(version) && !isShadow(s)) {
                for (int b = 0; b < counts.length; b++) {
                    counts[b] += s.health().scoreBins().get(b);
                    total += s.health().scoreBins().get(b);
                }
            }
        }
        if (total == 0) {
            return null;
        }
        double[] shares = new double[counts.length];
        for (int b = 0; b < counts.length; b++) {
            shares[b] = (double) counts[b] / total;
        }
        return shares;
    }
}

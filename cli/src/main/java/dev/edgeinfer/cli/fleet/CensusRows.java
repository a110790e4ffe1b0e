package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ScoreDrift;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.cli.fleet.FleetCensus.Flag;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Judges the census rows from each row's latest heartbeats and the release history: the serving
 * version, its health, and the flags.
 *
 * <ul>
 *   <li>{@code SILENT}: the newest heartbeat is older than {@code silentAfter} at wall-clock now.
 *   <li>{@code STALE}: judged at the site's event-time watermark (the heartbeats' {@code at} minus
 *       their watermark lag), so a site replaying old data is held to the releases of that time:
 *       at least {@code staleReleases} full, not deprecated releases for the site (by its id and the
 *       labels its heartbeats carry) activated after the serving version's, or one for at least
 *       {@code staleAfter}. A site that holds the expected version loaded and passed its activation
 *       within the last heartbeat interval is rolling over, not stale. Canaries never make a site
 *       stale. A site outside a site-scoped release is not behind it.
 *   <li>{@code PROBLEMATIC}: an advisory marks the serving version bad, or errors exceed
 *       {@code maxErrorRate} of the records.
 *   <li>{@code DIVERGENT}: PSI of the row's score bins of the serving version against the per-bin
 *       median of the other rows on the same model and version above {@code maxPsi}; judged only
 *       with at least two other rows.
 * </ul>
 */
final class CensusRows {

    private final FleetCensus.Policy policy;
    private final ReleaseHistory history;

    CensusRows(FleetCensus.Policy policy, ReleaseHistory history) {
        this.policy = policy;
        this.history = history;
    }

    /** One row per non-empty list of beats (one site, job and model each). */
    List<Row> rows(Collection<List<ModelStatus>> beatsByRow, long now) {
        List<List<ModelStatus>> all = beatsByRow.stream().filter(b -> !b.isEmpty()).toList();
        List<Row> rows = new ArrayList<>();
        for (List<ModelStatus> beats : all) {
            rows.add(row(beats, all, now));
        }
        return rows;
    }

    private Row row(List<ModelStatus> reported, List<List<ModelStatus>> all, long now) {
        // A shadow scores the same records as the serving version and emits nothing: it is shown, not counted.
        List<ModelStatus> beats = reported.stream().filter(b -> !ModelRelease.isShadowId(b.releaseId())).toList();
        if (beats.isEmpty()) {
            beats = reported;
        }
        String shadow = reported.stream().filter(b -> ModelRelease.isShadowId(b.releaseId())).map(ModelStatus::version).sorted()
                .reduce((a, b) -> a.equals(b) ? a : a + "," + b).orElse(null);
        // Agreement over the latest round of every subtask: agreed / compared, not a mean of ratios.
        long compared = 0;
        long agreed = 0;
        for (ModelStatus b : reported) {
            if (ModelRelease.isShadowId(b.releaseId()) && b.health().shadow() != null) {
                compared += b.health().shadow().compared();
                agreed += b.health().shadow().agreed();
            }
        }
        Double shadowAgreement = compared == 0 ? null : (double) agreed / compared;
        ModelStatus any = beats.get(0);
        long newest = beats.stream().mapToLong(ModelStatus::at).max().orElseThrow();
        long watermark = beats.stream().mapToLong(CensusRows::watermark).min().orElseThrow();
        long interval = beats.stream().mapToLong(b -> b.health().intervalMillis()).max().orElseThrow();
        ModelStatus serving = serving(beats, watermark);
        String version = serving.version();
        long scored = 0;
        long errors = 0;
        long anomalies = 0;
        double perSecond = 0;
        Long p99 = null;
        Map<String, Long> variants = new TreeMap<>();
        Map<Integer, Long> classes = new TreeMap<>();
        Set<Integer> subtasks = new TreeSet<>();
        Set<String> staged = new TreeSet<>();
        for (ModelStatus s : beats) {
            ModelHealth h = s.health();
            subtasks.add(s.subtask());
            scored += h.scored();
            errors += h.errors();
            anomalies += h.anomalies();
            perSecond += h.intervalMillis() == 0 ? 0 : h.scored() * 1000.0 / h.intervalMillis();
            if (h.latencyP99Micros() != null) {
                p99 = p99 == null ? h.latencyP99Micros() : Math.max(p99, h.latencyP99Micros());
            }
            if (s.version().equals(version)) {
                if (h.variant() != null) {
                    variants.merge(h.variant(), Math.max(1, h.scored()), Long::sum);
                }
                h.topClasses().forEach((c, n) -> classes.merge(c, n, Long::sum));
            } else {
                staged.add(s.version());
            }
        }
        SiteIdentity site = new SiteIdentity(any.site(), any.health().siteLabels());
        Optional<ModelRelease> expected = history.expected(any.model(), site, watermark);
        ReleaseHistory.Lag lag = history.lag(any.model(), version, site, watermark);
        Optional<ModelRelease> canary = history.canary(any.model(), site, watermark);
        Map.Entry<Integer, Long> top = classes.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);

        Set<Flag> flags = EnumSet.noneOf(Flag.class);
        if (now - newest > policy.silentAfter().toMillis()) {
            flags.add(Flag.SILENT);
        }
        boolean rollingOver = expected.isPresent() && staged.contains(expected.get().version())
                && expected.get().activateAt() > watermark - interval;
        if (lag.releases() > 0 && !rollingOver && (lag.releases() >= policy.staleReleases()
                || watermark - lag.firstMissedAt() >= policy.staleAfter().toMillis())) {
            flags.add(Flag.STALE);
        }
        if (history.deprecated(any.model(), version, serving.sha256())
                || (scored + errors > 0 && (double) errors / (scored + errors) > policy.maxErrorRate())) {
            flags.add(Flag.PROBLEMATIC);
        }
        if (psi(reported, version, all) > policy.maxPsi()) {
            flags.add(Flag.DIVERGENT);
        }
        long servingScored = beats.stream().filter(b -> b.version().equals(version))
                .mapToLong(b -> b.health().scored()).sum();
        return new Row(any.site(), any.job(), any.model(), version,
                variants.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null),
                expected.map(ModelRelease::version).orElse(null), lag.releases(),
                canary.map(ModelRelease::version).orElse(null), canary.map(ModelRelease::canaryPercent).orElse(null),
                shadow, shadowAgreement, List.copyOf(staged), subtasks.size(), Math.max(0, now - newest), perSecond, scored, errors, p99,
                scored == 0 ? 0 : (double) anomalies / scored, top == null ? null : top.getKey(),
                top == null || servingScored == 0 ? 0 : (double) top.getValue() / servingScored, flags);
    }

    /** The event time a heartbeat's subtask had reached: its wall clock minus its watermark lag. */
    private static long watermark(ModelStatus s) {
        Long lag = s.health().watermarkLagMillis();
        return lag == null ? s.at() : s.at() - lag;
    }

    /**
     * The version that scored most in the latest beats; when none scored (an idle site), the one
     * activated last by the watermark, else the one due first.
     */
    private static ModelStatus serving(List<ModelStatus> beats, long watermark) {
        Map<String, Long> scoredBy = new HashMap<>();
        beats.forEach(b -> scoredBy.merge(b.version(), b.health().scored(), Long::sum));
        Comparator<ModelStatus> order = Comparator.<ModelStatus>comparingLong(b -> scoredBy.get(b.version()))
                .thenComparing(b -> b.activateAt() <= watermark)
                .thenComparingLong(b -> b.activateAt() <= watermark ? b.activateAt() : -b.activateAt())
                .thenComparing(ModelStatus::version);
        return beats.stream().max(order).orElseThrow();
    }

    /**
     * PSI of this row's score bins of {@code version} against the fleet's: the per-bin median of
     * the other rows' shares on the same model and version (robust to one drifted site), 0 when
     * fewer than two other rows serve it.
     */
    private static double psi(List<ModelStatus> mine, String version, List<List<ModelStatus>> all) {
        String model = mine.get(0).model();
        double[] own = shares(mine, model, version);
        List<double[]> others = new ArrayList<>();
        for (List<ModelStatus> other : all) {
            double[] theirs = other == mine ? null : shares(other, model, version);
            if (theirs != null) {
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
            Arrays.sort(column);
            int n = column.length;
            median[b] = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
        }
        return ScoreDrift.psi(own, median);
    }

    /** The share of each score bin over the beats of {@code model} {@code version}, or null when none. */
    private static double[] shares(List<ModelStatus> beats, String model, String version) {
        long[] counts = new long[ModelHealth.SCORE_BINS];
        long total = 0;
        for (ModelStatus s : beats) {
            if (s.model().equals(model) && s.version().equals(version)) {
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

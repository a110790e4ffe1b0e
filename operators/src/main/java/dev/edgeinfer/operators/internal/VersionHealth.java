package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.operators.PredictionSummary;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One version's health counters on one subtask since its last heartbeat: what
 * {@link HealthTracker} turns into a {@link ModelHealth}. The per-record path only increments
 * fixed arrays (score bins, class counts up to {@value #TRACKED_CLASSES}); sorting and trimming
 * happen once per heartbeat. Not thread-safe: the task thread owns it.
 */
@Internal
final class VersionHealth {

    /** Class indices counted one by one; higher indices count as "other" classes. */
    static final int TRACKED_CLASSES = 1024;

    private long scored;
    private long failed;
    private long nonFinite;
    private long anomalies;
    private final long[] scoreBins = new long[ModelHealth.SCORE_BINS];
    private long[] classes;
    private long otherClasses;
    private final LatencyBuckets latencyMicros = new LatencyBuckets();
    private long since;

    VersionHealth(long since) {
        this.since = since;
    }

    /** One model call that scored {@code predictions} in {@code tookNanos}. */
    <P> void scored(List<P> predictions, long tookNanos, PredictionSummary<P> summary) {
        latencyMicros.record(tookNanos / 1000);
        scored += predictions.size();
        if (!summary.reports()) {
            return;
        }
        for (int i = 0; i < predictions.size(); i++) {
            P p = predictions.get(i);
            float score = summary.score(p);
            if (!Float.isFinite(score)) {
                nonFinite++;
                continue;
            }
            scoreBins[bin(score)]++;
            if (summary.anomalous(p)) {
                anomalies++;
            }
            int top = summary.topClass(p);
            if (top >= 0) {
                countClass(top);
            }
        }
    }

    /** A model call over {@code records} records that threw. */
    void failed(int records) {
        failed += records;
    }

    /** The counters as a report over {@code [since, now)}, with the facts of where it ran; then zero. */
    ModelHealth drain(long now, String variant, int cores, String cpuModel, Map<String, String> siteLabels,
            Long watermarkLag, long uptime) {
        Map<Integer, Long> top = new TreeMap<>();
        long other = otherClasses;
        if (classes != null) {
            List<Integer> present = new ArrayList<>();
            for (int c = 0; c < classes.length; c++) {
                if (classes[c] > 0) {
                    present.add(c);
                }
            }
            present.sort(Comparator.<Integer>comparingLong(c -> -classes[c]).thenComparing(c -> c));
            for (int i = 0; i < present.size(); i++) {
                int c = present.get(i);
                if (i < ModelHealth.MAX_CLASSES) {
                    top.put(c, classes[c]);
                } else {
                    other += classes[c];
                }
            }
            Arrays.fill(classes, 0);
        }
        List<Long> bins = new ArrayList<>(scoreBins.length);
        for (long b : scoreBins) {
            bins.add(b);
        }
        ModelHealth health = new ModelHealth(Math.max(0, now - since), scored, failed + nonFinite, nonFinite,
                anomalies, latencyMicros.quantile(0.5), latencyMicros.quantile(0.99), bins, top, other, variant,
                cores, cpuModel, siteLabels, watermarkLag, uptime);
        scored = failed = nonFinite = anomalies = otherClasses = 0;
        Arrays.fill(scoreBins, 0);
        latencyMicros.reset();
        since = now;
        return health;
    }

    private void countClass(int c) {
        if (c >= TRACKED_CLASSES) {
            otherClasses++;
            return;
        }
        if (classes == null) {
            classes = new long[TRACKED_CLASSES];
        }
        classes[c]++;
    }

    /** Bin of a finite score: {@code [i/10, (i+1)/10)}, 1.0 and above in the last, below 0 in the first. */
    static int bin(float score) {
        int bin = (int) (score * ModelHealth.SCORE_BINS);
        return Math.max(0, Math.min(ModelHealth.SCORE_BINS - 1, bin));
    }
}

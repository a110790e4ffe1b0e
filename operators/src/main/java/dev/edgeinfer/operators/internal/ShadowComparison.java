package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.status.ShadowHealth;
import dev.edgeinfer.operators.PredictionSummary;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One shadow version's comparison with the serving version on one subtask since its last
 * heartbeat: what {@link HealthTracker} turns into a {@link ShadowHealth}. The per-record path
 * only adds and increments fixed fields. Not thread-safe: the task thread owns it.
 */
@Internal
final class ShadowComparison {

    private String servingVersion;
    private long compared;
    private long agreed;
    private long deltas;
    private double sumAbsDelta;
    private double maxAbsDelta;
    private final long[] deltaBins = new long[ShadowHealth.DELTA_BINS];
    private long skipped;

    /** Both versions scored one record: {@code serving} is what was emitted, {@code shadow} what the shadow said. */
    <P> void compare(String servingVersion, P serving, P shadow, PredictionSummary<P> summary) {
        this.servingVersion = servingVersion;
        if (!summary.reports()) {
            return; // no decision to compare: the shadow's volume and latency only
        }
        compared++;
        int servingClass = summary.topClass(serving);
        int shadowClass = summary.topClass(shadow);
        boolean agree = servingClass >= 0 || shadowClass >= 0
                ? servingClass == shadowClass
                : summary.anomalous(serving) == summary.anomalous(shadow);
        agreed += agree ? 1 : 0;
        float a = summary.score(serving);
        float b = summary.score(shadow);
        if (Float.isFinite(a) && Float.isFinite(b)) {
            double delta = Math.abs((double) b - a);
            deltas++;
            sumAbsDelta += delta;
            maxAbsDelta = Math.max(maxAbsDelta, delta);
            deltaBins[ShadowHealth.deltaBin(delta)]++;
        }
    }

    /** The shadow applied to {@code records} records but did not score them (still staging, or its call failed). */
    void skipped(int records) {
        skipped += records;
    }

    /** The comparison since the last heartbeat; then counted afresh. */
    ShadowHealth drain() {
        List<Long> bins = new ArrayList<>(deltaBins.length);
        for (long b : deltaBins) {
            bins.add(b);
        }
        ShadowHealth health = new ShadowHealth(servingVersion, compared, agreed,
                deltas == 0 ? null : sumAbsDelta / deltas, deltas == 0 ? null : maxAbsDelta, bins, skipped);
        compared = agreed = deltas = skipped = 0;
        sumAbsDelta = maxAbsDelta = 0;
        Arrays.fill(deltaBins, 0);
        return health;
    }
}

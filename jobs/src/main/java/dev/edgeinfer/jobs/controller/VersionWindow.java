package dev.edgeinfer.jobs.controller;

import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeSet;

/**
 * The heartbeats of one model version across the fleet over the last window (by heartbeat time),
 * plus its score bins over all time (the reference a newer version's drift is measured against).
 * Heartbeat counts cover their own interval only, so the window's totals are sums.
 */
final class VersionWindow implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One heartbeat's health, as far as the controller needs it. */
    record Sample(long at, String site, long scored, long errors, long nonFinite, long[] bins, Long p99Micros,
            Double agreement) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The window's sums from {@code fromAt} on. */
    record Totals(long heartbeats, long records, long errors, long nonFinite, long[] bins, Long p99Micros,
            Double agreement, TreeSet<String> sites, long fromAt) {

        /** {@code errors / attempted}; 0 when nothing was attempted. */
        double errorRate() {
            long attempted = records + errors - nonFinite;
            return attempted == 0 ? 0 : (double) errors / attempted;
        }
    }

    private final Deque<Sample> samples = new ArrayDeque<>();
    private final long[] allTimeBins = new long[ModelHealth.SCORE_BINS];

    /** Adds one heartbeat (its health must be present); {@code agreement} may be null. */
    void add(ModelStatus heartbeat, Double agreement) {
        ModelHealth h = heartbeat.health();
        long[] bins = new long[ModelHealth.SCORE_BINS];
        for (int b = 0; b < bins.length; b++) {
            bins[b] = h.scoreBins().get(b);
            allTimeBins[b] += bins[b];
        }
        samples.addLast(new Sample(heartbeat.at(), heartbeat.site(), h.scored(), h.errors(), h.nonFinite(), bins,
                h.latencyP99Micros(), agreement));
    }

    /** Drops the samples older than {@code oldestAt}. */
    void evictBefore(long oldestAt) {
        samples.removeIf(s -> s.at() < oldestAt);
    }

    /** The sums over the samples with {@code at >= fromAt}. */
    Totals totals(long fromAt) {
        long heartbeats = 0;
        long records = 0;
        long errors = 0;
        long nonFinite = 0;
        long[] bins = new long[ModelHealth.SCORE_BINS];
        Long p99 = null;
        double agreementSum = 0;
        long agreementWeight = 0;
        TreeSet<String> sites = new TreeSet<>();
        long first = Long.MAX_VALUE;
        for (Sample s : samples) {
            if (s.at() < fromAt) {
                continue;
            }
            heartbeats++;
            records += s.scored();
            errors += s.errors();
            nonFinite += s.nonFinite();
            for (int b = 0; b < bins.length; b++) {
                bins[b] += s.bins()[b];
            }
            if (s.p99Micros() != null) {
                p99 = p99 == null ? s.p99Micros() : Math.max(p99, s.p99Micros());
            }
            if (s.agreement() != null && s.scored() > 0) {
                agreementSum += s.agreement() * s.scored();
                agreementWeight += s.scored();
            }
            sites.add(s.site());
            first = Math.min(first, s.at());
        }
        return new Totals(heartbeats, records, errors, nonFinite, bins, p99,
                agreementWeight == 0 ? null : agreementSum / agreementWeight, sites,
                first == Long.MAX_VALUE ? fromAt : first);
    }

    /** The score bins of every heartbeat ever added. */
    long[] allTimeBins() {
        return allTimeBins.clone();
    }
}

package dev.edgeinfer.operators.internal;

import dev.edgeinfer.operators.PredictionSummary;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A subtask's heartbeats: counts each served version's health per model call ({@link HealthTracker})
 * and, every {@code intervalMillis} of processing time (and right after a failed model call),
 * reports a {@code HEARTBEAT} per version with its cumulative count and its health since the
 * previous one. The health names the file actually served: the chosen variant's sha256 for a
 * multi-variant release ({@link LatencyBudgetGate#servedId}). A shadow version's heartbeat
 * carries its comparison with the serving version ({@link ShadowScoring}).
 *
 * <pre>{@code
 * Heartbeats<IN, P> heartbeats = new Heartbeats<>(summary, labels, intervalMillis, clock, status);
 * heartbeats.scored(staged, predictions, tookNanos);   // per micro-batch
 * heartbeats.sendIfDue(stager.ready(), watermark);     // from housekeeping
 * }</pre>
 *
 * <p>Not thread-safe: the task thread owns it.
 */
@Internal
final class Heartbeats<IN, P> {

    private final HealthTracker<P> health;
    private final long intervalMillis;
    private final LongSupplier clock;
    private final StatusReporter status;
    private long last;

    Heartbeats(PredictionSummary<P> summary, Map<String, String> siteLabels, long intervalMillis, LongSupplier clock,
            StatusReporter status) {
        this.health = new HealthTracker<>(summary, siteLabels, clock);
        this.intervalMillis = intervalMillis;
        this.clock = clock;
        this.status = status;
    }

    /** A model call of {@code model} scored {@code predictions} in {@code tookNanos}. */
    void scored(ModelStager.Staged<IN, P> model, List<P> predictions, long tookNanos) {
        health.scored(model, predictions, tookNanos);
    }

    /** A model call of {@code model} over {@code records} records threw: its heartbeat goes out now, before the failover. */
    void failed(ModelStager.Staged<IN, P> model, int records, long watermark) {
        health.failed(model, records);
        send(model, watermark);
    }

    /** The health of every version (shadow scoring counts into it too). */
    HealthTracker<P> health() {
        return health;
    }

    /** Stops tracking a retired version. */
    void forget(ModelStager.Staged<IN, P> model) {
        health.forget(model);
    }

    /** Reports every version in {@code ready} once the interval has passed since the last heartbeats (0: never). */
    void sendIfDue(Collection<ModelStager.Staged<IN, P>> ready, long watermark) {
        long now = clock.getAsLong();
        if (intervalMillis > 0 && now - last >= intervalMillis) {
            last = now;
            for (ModelStager.Staged<IN, P> model : ready) {
                send(model, watermark);
            }
        }
    }

    /** Reports {@code model}'s cumulative count and its health since its previous heartbeat. */
    private void send(ModelStager.Staged<IN, P> model, long watermark) {
        String variant = LatencyBudgetGate.servedId(model.handler(), model.release).sha256();
        status.heartbeat(model.release, model.scored, health.drain(model, variant, watermark, model.release.shadow()));
    }
}

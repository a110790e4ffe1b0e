package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.operators.PredictionSummary;

import org.apache.flink.annotation.Internal;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The health of every version a subtask serves, for its heartbeats: counts what each model call
 * scored ({@link VersionHealth}) and, once per heartbeat, turns it into a {@link ModelHealth} with
 * the facts of where it runs (variant, cores, CPU model, site labels, watermark lag, uptime).
 *
 * <pre>{@code
 * HealthTracker<Float> health = new HealthTracker<>(PredictionSummary.scoreAbove(0.5f), labels, clock);
 * health.scored(staged, predictions, tookNanos);                      // per micro-batch
 * ModelHealth h = health.drain(staged, release.sha256(), watermark, false);   // per heartbeat
 * }</pre>
 *
 * <p>A shadow version also gets its comparison with the serving version ({@link ShadowComparison}),
 * reported in its health's {@code shadow} block.
 *
 * <p>Versions are tracked by the identity of the object that serves them (a staging), so the
 * per-batch cost is one identity-map lookup. Not thread-safe: the task thread owns it.
 */
@Internal
final class HealthTracker<P> {

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final String CPU_MODEL = HardwareProfile.local().cpuModel();

    private final PredictionSummary<P> summary;
    private final Map<String, String> siteLabels;
    private final LongSupplier clock;
    private final long openedAt;
    private final Map<Object, VersionHealth> versions = new IdentityHashMap<>();
    private final Map<Object, ShadowComparison> shadows = new IdentityHashMap<>();

    HealthTracker(PredictionSummary<P> summary, Map<String, String> siteLabels, LongSupplier clock) {
        this.summary = summary;
        this.siteLabels = Map.copyOf(siteLabels);
        this.clock = clock;
        this.openedAt = clock.getAsLong();
    }

    /** A model call of {@code model} scored {@code predictions} in {@code tookNanos}. */
    void scored(Object model, List<P> predictions, long tookNanos) {
        of(model).scored(predictions, tookNanos, summary);
    }

    /** A model call of {@code model} over {@code records} records threw. */
    void failed(Object model, int records) {
        of(model).failed(records);
    }

    /** The comparison of shadow version {@code shadow} with the serving version. */
    ShadowComparison shadow(Object shadow) {
        return shadows.computeIfAbsent(shadow, m -> new ShadowComparison());
    }

    /** Compares {@code shadow}'s predictions with {@code serving}'s, record by record. */
    void compared(Object shadow, String servingVersion, List<P> serving, List<P> shadowPredictions) {
        ShadowComparison comparison = shadow(shadow);
        for (int i = 0; i < serving.size(); i++) {
            comparison.compare(servingVersion, serving.get(i), shadowPredictions.get(i), summary);
        }
    }

    /**
     * {@code model}'s health since its last heartbeat (then counted afresh); with its comparison
     * with the serving version when {@code isShadow}.
     */
    ModelHealth drain(Object model, String variant, long watermark, boolean isShadow) {
        long now = clock.getAsLong();
        Long lag = watermark == Long.MIN_VALUE ? null : Math.max(0, now - watermark);
        ModelHealth health =
                of(model).drain(now, variant, CORES, CPU_MODEL, siteLabels, lag, Math.max(0, now - openedAt));
        return isShadow ? health.withShadow(shadow(model).drain()) : health;
    }

    /** Stops tracking a version that was retired. */
    void forget(Object model) {
        versions.remove(model);
        shadows.remove(model);
    }

    private VersionHealth of(Object model) {
        return versions.computeIfAbsent(model, m -> new VersionHealth(clock.getAsLong()));
    }
}

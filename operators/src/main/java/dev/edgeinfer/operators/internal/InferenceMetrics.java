package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The versioned inference operator's metrics, one scheme: group {@code edgeinfer}, then the
 * key-value group {@code model=<name>}, then {@code version=<version>} for per-version metrics
 * and {@code reason=<REASON>} for rejections. With Flink's Prometheus reporter a key becomes part
 * of the name and its value a label, e.g.
 * {@code flink_taskmanager_job_task_operator_edgeinfer_model_version_scored{model="m",version="v2"}}.
 * docs/metrics.md lists them all.
 *
 * <ul>
 *   <li>per model: counters {@code lateActivations}, {@code reloadsForLateRecords},
 *       {@code loadWaitMillis}, {@code recordsWaitedForLoad}; gauges {@code loadedVersions},
 *       {@code waitingRecords}; per {@code reason=<REASON>} counter {@code rejectedReleases};
 *   <li>per {@code version=<version>}: counters {@code scored}, {@code staged}; histograms
 *       {@code batchSize}, {@code inferenceLatencyMicros} (one model call per micro-batch); gauge
 *       {@code active} (1 for the version that scored this subtask's latest batch, else 0).
 * </ul>
 *
 * <p>Per-version and per-reason groups are registered once, when a version is first staged or a
 * reason first occurs; the per-record path only increments.
 */
@Internal
final class InferenceMetrics {

    private static final int HISTOGRAM_WINDOW = 1000;

    private final MetricGroup model;
    final Counter lateActivations;
    final Counter reloadsForLateRecords;
    final Counter loadWaitMillis;
    final Counter recordsWaitedForLoad;
    /** Records waiting for a release to cover them (gauge {@code waitingRecords}). */
    final IntSupplier waitingRecords;
    private final Map<String, Version> versions = new HashMap<>();
    private final Map<String, Counter> rejectedByReason = new HashMap<>();
    /** The version that scored the latest batch (its {@code active} gauge reads 1). */
    private Version active;

    InferenceMetrics(
            MetricGroup operatorGroup, String modelName, IntSupplier loadedVersions, IntSupplier waitingRecords) {
        model = operatorGroup.addGroup("edgeinfer").addGroup("model", modelName);
        lateActivations = model.counter("lateActivations");
        reloadsForLateRecords = model.counter("reloadsForLateRecords");
        loadWaitMillis = model.counter("loadWaitMillis");
        recordsWaitedForLoad = model.counter("recordsWaitedForLoad");
        model.gauge("loadedVersions", loadedVersions::getAsInt);
        this.waitingRecords = waitingRecords;
        model.gauge("waitingRecords", waitingRecords::getAsInt);
    }

    /** The metrics of {@code release}'s version, registered on first use (when it is staged). */
    Version version(ModelRelease release) {
        return versions.computeIfAbsent(release.modelId().version(), v -> new Version(model.addGroup("version", v)));
    }

    /** Counts a rejected release under its reason ({@code UNKNOWN} when it has none). */
    void rejected(String reason) {
        String key = reason == null || reason.isBlank() ? "UNKNOWN" : reason;
        rejectedByReason.computeIfAbsent(key, r -> model.addGroup("reason", r).counter("rejectedReleases")).inc();
    }

    /** Releases rejected for {@code reason} so far (for tests). */
    long rejectedCount(String reason) {
        Counter counter = rejectedByReason.get(reason);
        return counter == null ? 0 : counter.getCount();
    }

    /** Records one scored micro-batch of {@code version}: size, model-call latency, active version. */
    void scoredBatch(Version version, int size, long tookNanos) {
        version.scored.inc(size);
        version.batchSize.update(size);
        version.latencyMicros.update(tookNanos / 1000);
        active = version;
    }

    /** One model version's metrics, in group {@code version=<version>}. */
    final class Version {
        final Counter scored;
        final Counter staged;
        final Histogram batchSize;
        final Histogram latencyMicros;

        private Version(MetricGroup group) {
            scored = group.counter("scored");
            staged = group.counter("staged");
            batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            latencyMicros =
                    group.histogram("inferenceLatencyMicros", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
            group.gauge("active", this::active);
        }

        /** 1 if this version scored the subtask's latest batch, else 0. */
        int active() {
            return active == this ? 1 : 0;
        }
    }
}

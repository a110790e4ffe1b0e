package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.function.IntSupplier;

/**
 * The versioned inference operator's metrics, in group {@code edgeinfer.model.<name>}: counters
 * {@code scored}, {@code lateActivations}, {@code rejectedReleases}, {@code reloadsForLateRecords},
 * {@code loadWaitMillis}, histogram {@code batchSize}, gauges {@code loadedVersions} and
 * {@code waitingRecords}.
 */
@Internal
final class InferenceMetrics {

    final Counter scored;
    final Counter lateActivations;
    final Counter rejectedReleases;
    final Counter reloadsForLateRecords;
    final Counter loadWaitMillis;
    final Histogram batchSizes;

    InferenceMetrics(
            MetricGroup operatorGroup, String modelName, IntSupplier loadedVersions, IntSupplier waitingRecords) {
        MetricGroup metrics = operatorGroup.addGroup("edgeinfer").addGroup("model", modelName);
        scored = metrics.counter("scored");
        lateActivations = metrics.counter("lateActivations");
        rejectedReleases = metrics.counter("rejectedReleases");
        reloadsForLateRecords = metrics.counter("reloadsForLateRecords");
        loadWaitMillis = metrics.counter("loadWaitMillis");
        batchSizes = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("loadedVersions", loadedVersions::getAsInt);
        metrics.gauge("waitingRecords", waitingRecords::getAsInt);
    }
}

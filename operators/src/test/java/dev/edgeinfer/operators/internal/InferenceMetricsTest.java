package dev.edgeinfer.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The metric names and groups documented in docs/metrics.md, as registered. */
class InferenceMetricsTest {

    private static final ModelRelease V1 = ModelRelease.builder()
            .model("sensor-anomaly")
            .version("v1")
            .uri("file:///models/v1.onnx")
            .sha256("a".repeat(64))
            .sizeBytes(1024)
            .signature(TestingOnnxModels.sensorSignature())
            .activateAt(0)
            .publisher("test@edgeinfer")
            .publishedAt(1_767_225_590_000L)
            .build();

    @Test
    void perVersionAndPerReasonMetricsAreRegisteredUnderOneScheme() {
        MetricListener listener = new MetricListener();
        InferenceMetrics metrics = new InferenceMetrics(listener.getMetricGroup(), "sensor-anomaly", () -> 2, () -> 5);

        metrics.scoredBatch(metrics.version(V1), 4, 3_000_000);
        metrics.rejected("NOT_ONNX");
        metrics.rejected("NOT_ONNX");
        metrics.rejected(null);

        String[] version = {"edgeinfer", "model", "sensor-anomaly", "version", "v1"};
        assertThat(listener.getCounter(path(version, "scored")).orElseThrow().getCount()).isEqualTo(4);
        assertThat(listener.getHistogram(path(version, "batchSize")).orElseThrow().getStatistics().getMax())
                .isEqualTo(4);
        assertThat(listener.getHistogram(path(version, "inferenceLatencyMicros")).orElseThrow()
                        .getStatistics().getMax())
                .isEqualTo(3_000);
        assertThat(listener.<Integer>getGauge(path(version, "active")).map(Gauge::getValue)).contains(1);
        assertThat(listener.getCounter("edgeinfer", "model", "sensor-anomaly", "reason", "NOT_ONNX", "rejectedReleases")
                        .orElseThrow().getCount())
                .isEqualTo(2);
        assertThat(listener.getCounter("edgeinfer", "model", "sensor-anomaly", "reason", "UNKNOWN", "rejectedReleases"))
                .isPresent();
        assertThat(listener.<Integer>getGauge("edgeinfer", "model", "sensor-anomaly", "waitingRecords")
                        .map(Gauge::getValue))
                .contains(5);
        assertThat(listener.<Integer>getGauge("edgeinfer", "model", "sensor-anomaly", "loadedVersions")
                        .map(Gauge::getValue))
                .contains(2);
        for (String counter : new String[] {"lateActivations", "reloadsForLateRecords", "loadWaitMillis",
                "recordsWaitedForLoad"}) {
            assertThat(listener.getCounter("edgeinfer", "model", "sensor-anomaly", counter)).as(counter).isPresent();
        }
    }

    /** What Flink's Prometheus reporter names them: the keys join the name, the values become labels. */
    @Test
    void prometheusSeesTheKeysInTheNameAndTheValuesAsLabels() {
        AbstractMetricGroup<?> operator = UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup();
        AbstractMetricGroup<?> version = (AbstractMetricGroup<?>)
                operator.addGroup("edgeinfer").addGroup("model", "sensor-anomaly").addGroup("version", "v1");

        assertThat(version.getLogicalScope(name -> name, '_'))
                .isEqualTo("taskmanager_job_task_operator_edgeinfer_model_version");
        Map<String, String> variables = version.getAllVariables();
        assertThat(variables).containsEntry("<model>", "sensor-anomaly").containsEntry("<version>", "v1")
                .containsKey("<subtask_index>");
    }

    private static String[] path(String[] group, String name) {
        String[] path = java.util.Arrays.copyOf(group, group.length + 1);
        path[group.length] = name;
        return path;
    }
}

package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.CHANNELS;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.WINDOW;

import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.operators.ResultBuilder;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The sensor-window inference the operator tests run: the testing anomaly model's adapter, one
 * ONNX thread, no heartbeats (so the harness output holds only what the test caused) and a small
 * model cache. One definition, so the current-state tests and the legacy-state restore tests score
 * with the same operator settings.
 */
final class TestingSensorInference {

    private TestingSensorInference() {}

    /** A builder with every setting the tests share; a test adds its own (batching, initial releases) and builds. */
    static <R> VersionedInference.Builder<SensorWindow, Float, R> builder(String model, ResultBuilder<SensorWindow, Float, R> results,
            Class<R> resultType, Duration allowedLateness, ModelFetcher fetcher, Path cacheDir) {
        return VersionedInference.<SensorWindow, Float, R>builder()
                .setModelName(model)
                .setAdapter(new SensorAnomalyAdapter(CHANNELS, WINDOW))
                .setEventTime(SensorWindow::endTs)
                .setRoutingKey(SensorWindow::deviceId)
                .setResultBuilder(results)
                .setResultType(resultType)
                .setAllowedLateness(allowedLateness)
                .setLoadTimeout(Duration.ofSeconds(30))
                .setHeartbeatInterval(Duration.ZERO)
                .setModelFetcher(fetcher)
                .setRunnerOptions(new OnnxRunnerOptions(1, 1, "ALL_OPT", 1))
                .setSite("test-site", "test-job")
                .setModelCache(cacheDir, 16L << 20, 3);
    }
}

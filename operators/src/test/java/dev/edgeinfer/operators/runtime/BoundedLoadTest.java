package dev.edgeinfer.operators.runtime;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.CHANNELS;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.WINDOW;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.windows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.LoadBudget;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.sensor.SensorAnomalyTranslator;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** {@link OnnxModelRunner#load} within a {@link LoadBudget}: a stuck warm-up is terminated, nothing leaks. */
class BoundedLoadTest {

    @TempDir Path dir;

    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopWatchdog() {
        watchdog.shutdownNow();
    }

    /** Expires {@code budget} when its phase is over its limit, as the operator's staging queue does. */
    private LoadBudget watched(StagingLimits limits) {
        LoadBudget budget = new LoadBudget(limits);
        watchdog.scheduleWithFixedDelay(() -> {
            LoadBudget.Phase overdue = budget.overdue(System.nanoTime());
            if (overdue != null) {
                budget.expire(overdue);
            }
        }, 20, 20, TimeUnit.MILLISECONDS);
        return budget;
    }

    @Test
    void aWarmupOverItsTimeLimitIsTerminatedAndRejectedAsWarmupTimeoutLeavingNoSessionOpen() throws Exception {
        Path file = TestingOnnxModels.slowModel(dir.resolve("slow.onnx"), 400);
        LoadBudget budget = watched(
                new StagingLimits(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMillis(300), 1L << 30, 1));
        int runners = OnnxModelRunner.openRunners();
        int sessions = OnnxModelRunner.openSessions();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> OnnxModelRunner.<SensorWindow, Float>load(
                ModelId.of("sensor-anomaly", "slow", Sha256.of(file)), file, new SensorAnomalyTranslator(CHANNELS, WINDOW),
                OnnxRunnerOptions.DEFAULTS, windows(1, 1), budget));

        assertThat(e.reason()).as("terminated, not run to the end").isEqualTo(ModelLoadException.Reason.WARMUP_TIMEOUT);
        assertThat(budget.expired()).isTrue();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(runners);
        assertThat(OnnxModelRunner.openSessions()).isEqualTo(sessions);
    }

    @Test
    void theSameSlowModelLoadsWithinAGenerousBudgetAndScoresLikeTheFastOne() throws Exception {
        Path slow = TestingOnnxModels.slowModel(dir.resolve("slow-enough.onnx"), 2);
        Path fast = TestingOnnxModels.sensorModel(dir.resolve("fast.onnx"), 0f);
        SensorAnomalyTranslator translator = new SensorAnomalyTranslator(CHANNELS, WINDOW);

        try (OnnxModelRunner<SensorWindow, Float> s = OnnxModelRunner.load(ModelId.of("m", "slow", Sha256.of(slow)), slow,
                        translator, OnnxRunnerOptions.DEFAULTS, windows(1, 1), watched(StagingLimits.DEFAULTS));
                OnnxModelRunner<SensorWindow, Float> f = OnnxModelRunner.load(ModelId.of("m", "fast", Sha256.of(fast)), fast,
                        new SensorAnomalyTranslator(CHANNELS, WINDOW), OnnxRunnerOptions.DEFAULTS, windows(1, 1))) {
            assertThat(s.predict(windows(5, 2))).isEqualTo(f.predict(windows(5, 2)));
        }
    }
}

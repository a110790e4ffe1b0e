package dev.edgeinfer.simulation.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.model.LoadBudget;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.model.OnnxModelHandlerFactory;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The expensive-model release of {@link BadReleases}: a valid model that only its size gives away. */
class ExpensiveModelTest {

    private static final StagingLimits ONE_GIB = new StagingLimits(
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30), 1L << 30, 1);

    @TempDir Path dir;

    @Test
    void theExpensiveModelIsRejectedAsResourceLimitBeforeItRunsAndNothingStaysOpen() throws Exception {
        BuiltModel good = SensorModelFactory.build(SensorModelSpec.v1(), dir);
        Path expensive = dir.resolve("expensive.onnx");
        Files.write(expensive, BadReleases.withExpensiveBranch(Files.readAllBytes(good.file()),
                BadReleases.EXPENSIVE_TENSOR_BYTES));
        int open = OnnxModelRunner.openRunners();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class,
                () -> load(good, release(good, expensive), expensive));

        assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.RESOURCE_LIMIT);
        assertThat(e.getMessage()).contains("expensive_copies").contains("warm-up memory limit is " + (1L << 30));
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(open);
    }

    @Test
    void theDetourChangesNoScoreSoOnlyItsCostIsWrong() throws Exception {
        BuiltModel good = SensorModelFactory.build(SensorModelSpec.v1(), dir);
        Path cheap = dir.resolve("cheap-detour.onnx");
        Files.write(cheap, BadReleases.withExpensiveBranch(Files.readAllBytes(good.file()), 64 << 10));
        List<SensorWindow> windows = new SensorAnomalyAdapter(good.channels(), good.windowSize()).warmupBatch();

        try (ModelHandler<SensorWindow, Float> original = load(good, release(good, good.file()), good.file());
                ModelHandler<SensorWindow, Float> detour = load(good, release(good, cheap), cheap)) {
            assertThat(detour.signature()).isEqualTo(original.signature());
            assertThat(detour.predict(windows)).isEqualTo(original.predict(windows));
        }
    }

    private static ModelHandler<SensorWindow, Float> load(BuiltModel good, ModelRelease release, Path file)
            throws ModelLoadException {
        return new OnnxModelHandlerFactory<>(new SensorAnomalyAdapter(good.channels(), good.windowSize()),
                OnnxRunnerOptions.DEFAULTS).load(release, file, new LoadBudget(ONE_GIB));
    }

    private static ModelRelease release(BuiltModel good, Path file) throws Exception {
        return ReleaseFactory.fromFile(good.id().name(), "x", file, 0, 100, "test", 1L);
    }
}

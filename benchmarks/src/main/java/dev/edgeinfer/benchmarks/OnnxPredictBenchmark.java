package dev.edgeinfer.benchmarks;

import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One batched prediction through {@link OnnxModelRunner} with the pipeline's translator
 * ({@code SensorAnomalyAdapter}): features for every window of the batch, the ONNX Runtime call,
 * the scores back. The model is the sensor anomaly model v1, trained on the spot by the model
 * factory (a few seconds in setup). Times are per batch: divide by {@code batchSize} for the cost
 * per window.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OnnxPredictBenchmark extends BenchmarkDefaults {

    @Param({"1", "8", "64"})
    int batchSize;

    private Path dir;
    private OnnxModelRunner<SensorWindow, Float> runner;
    private List<SensorWindow> batch;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SensorModelSpec spec = SensorModelSpec.v1();
        dir = Files.createTempDirectory("edgeinfer-jmh");
        BuiltModel model = SensorModelFactory.build(spec, dir);
        SensorAnomalyAdapter adapter = new SensorAnomalyAdapter(spec.channels(), spec.windowSize());
        runner = OnnxModelRunner.load(model.id(), model.file(), adapter.newTranslator(), OnnxRunnerOptions.DEFAULTS,
                adapter.warmupBatch());
        SplittableRandom random = new SplittableRandom(7);
        batch = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            float[] values = new float[spec.channels() * spec.windowSize()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (Math.sin((b + i) / 5.0) + random.nextGaussian() * 0.1);
            }
            batch.add(new SensorWindow("dev-" + b, 0, 0, 0, 0, spec.channels(), values));
        }
    }

    @Benchmark
    public List<Float> predictBatch() {
        return runner.predict(batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runner.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}

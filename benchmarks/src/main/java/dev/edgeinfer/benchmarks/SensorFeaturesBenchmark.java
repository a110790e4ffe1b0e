package dev.edgeinfer.benchmarks;

import dev.edgeinfer.operators.sensor.SensorFeatures;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Feature preparation, the translator's per-window work: {@link SensorFeatures#write} of one
 * window (16 readings x 4 channels by default) into a reused direct, native-order buffer, as
 * {@code SensorAnomalyTranslator.processInput} does for every record.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SensorFeaturesBenchmark extends BenchmarkDefaults {

    @Param({"4"})
    int channels;

    @Param({"16"})
    int windowSize;

    private float[] values;
    private FloatBuffer buffer;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        values = new float[channels * windowSize];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (Math.sin(i / 3.0) + random.nextGaussian() * 0.1);
        }
        buffer = ByteBuffer.allocateDirect(SensorFeatures.featureCount(channels) * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Benchmark
    public FloatBuffer writeFeatures() {
        buffer.clear();
        SensorFeatures.write(values, channels, buffer);
        return buffer;
    }
}

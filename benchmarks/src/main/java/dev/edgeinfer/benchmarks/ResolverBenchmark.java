package dev.edgeinfer.benchmarks;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The resolver the operator calls for every record: {@link ReleaseTimeline#resolve} of (model,
 * event time, key) over a timeline of {@code activations} releases one second apart, every
 * fifth a 10% canary (so canary hashing and the base lookup are exercised). Event times are
 * spread over the whole timeline, keys over 1,000 devices; the inputs are precomputed so only
 * the lookup is timed.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResolverBenchmark extends BenchmarkDefaults {

    static final String MODEL = "sensor-anomaly";

    @Param({"1", "50", "500"})
    int activations;

    private ReleaseTimeline timeline;
    private long[] times;
    private String[] keys;
    private int next;

    @Setup
    public void setUp() {
        ModelSignature signature = ModelSignature.declared(
                List.of(new TensorSpec("features", new long[] {-1, 32})), List.of(new TensorSpec("score", new long[] {-1, 1})));
        List<ModelRelease> releases = new ArrayList<>();
        for (int i = 0; i < activations; i++) {
            releases.add(ModelRelease.builder()
                    .model(MODEL)
                    .version("v" + i)
                    .sha256(String.format("%064x", i + 1))
                    .uri("file:///models/" + MODEL + "-v" + i + ".onnx")
                    .sizeBytes(4096)
                    .signature(signature)
                    .activateAt(i * 1_000L)
                    .canaryPercent(i > 0 && i % 5 == 0 ? 10 : 100)
                    .publisher("jmh")
                    .publishedAt(0)
                    .build());
        }
        timeline = ReleaseTimeline.of(releases);
        SplittableRandom random = new SplittableRandom(11);
        times = new long[4096];
        keys = new String[times.length];
        for (int i = 0; i < times.length; i++) {
            times[i] = random.nextLong(activations * 1_000L + 1_000L);
            keys[i] = "dev-" + random.nextInt(1_000);
        }
    }

    @Benchmark
    public Optional<ModelRelease> resolve() {
        int i = next++ & (times.length - 1);
        return timeline.resolve(MODEL, times[i], keys[i]);
    }
}

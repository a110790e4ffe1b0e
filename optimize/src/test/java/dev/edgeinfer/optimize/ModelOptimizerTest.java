package dev.edgeinfer.optimize;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

class ModelOptimizerTest {

    @Test
    void makesChecksAndTimesEveryVariantOfAnImageModel(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("net.onnx");
        Files.write(model, TestNets.smallMobileNet());
        ModelOptimizer.Request request = request(model, 64, 3, 21, ChannelPruner.Ranking.BN_GAMMA);
        List<ModelOptimizer.Variant> variants = ModelOptimizer.run(request, dir.resolve("out"), line -> {});
        assertThat(variants)
                .extracting(ModelOptimizer.Variant::name)
                .containsExactly("original", "int8", "int8-reduced", "pruned-50");
        assertThat(variants).allMatch(ModelOptimizer.Variant::made);
        assertThat(variants.get(0).fidelity().top1Agreement()).isEqualTo(1.0);
        for (ModelOptimizer.Variant v : variants) {
            assertThat(v.file()).exists();
            assertThat(v.fidelity().top1Agreement()).as(v.name()).isGreaterThanOrEqualTo(0.9);
            assertThat(v.latency().p50Ms()).isPositive();
        }
        assertThat(variants.get(3).sizeRatio()).isLessThan(0.6);
        assertThat(ModelOptimizer.paretoFront(variants)).isNotEmpty();
    }

    @Test
    void acceptsAModelBuiltElsewhere(@TempDir Path dir) throws Exception {
        // The hand-set demo classifier: Tribuo's graph builder, an unpadded conv with 5 filters, no BatchNorm.
        var spec = dev.edgeinfer.simulation.models.FrameModelFactory.Spec.v2().withSize(32, 32);
        Path model = dev.edgeinfer.simulation.models.FrameModelFactory.build(spec, dir)
                .file();
        ModelOptimizer.Request request = request(model, 32, 4, 31, ChannelPruner.Ranking.L1);
        List<ModelOptimizer.Variant> variants = ModelOptimizer.run(request, dir.resolve("out"), line -> {});
        assertThat(variants).allMatch(ModelOptimizer.Variant::made);
        assertThat(variants.get(1).fidelity().top1Agreement()).isGreaterThanOrEqualTo(0.9);
        // Five filters are fewer than one multiple of 8: pruning keeps them all.
        assertThat(variants.get(3).note()).contains("5 -> 5");
    }

    /**
     * A request with 0.5 pruning and quantization: {@code heldOutPerClass} labelled frames of each
     * colour from {@code seed}, two per colour for calibration from {@code seed + 1}.
     */
    private static ModelOptimizer.Request request(
            Path model, int size, int heldOutPerClass, long seed, ChannelPruner.Ranking ranking) {
        List<Integer> labels = new ArrayList<>();
        InputFiles.Samples heldOut = new InputFiles.Samples(
                TestNets.frames(heldOutPerClass, size, seed, labels),
                labels.stream().mapToInt(Integer::intValue).toArray());
        return new ModelOptimizer.Request(
                model,
                TestNets.frames(2, size, seed + 1, new ArrayList<>()),
                heldOut,
                List.of(0.5),
                ranking,
                true,
                null,
                0.5,
                5,
                1);
    }

    @Test
    void paretoFrontDropsVariantsBothSlowerAndWorse() {
        Fidelity good = new Fidelity(1, 1, 1, 0.99, 0.99, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        Fidelity bad = new Fidelity(1, 1, 1, 0.90, 0.99, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        List<ModelOptimizer.Variant> v = List.of(
                new ModelOptimizer.Variant("a", Path.of("a"), 1, 1, good, new Latency(10, 20, 100, 1), ""),
                new ModelOptimizer.Variant("b", Path.of("b"), 1, 1, good, new Latency(5, 20, 200, 1), ""),
                new ModelOptimizer.Variant("c", Path.of("c"), 1, 1, bad, new Latency(2, 20, 500, 1), ""),
                new ModelOptimizer.Variant("d", Path.of("d"), 1, 1, bad, new Latency(6, 20, 150, 1), ""));
        assertThat(ModelOptimizer.paretoFront(v)).containsExactly(1, 2);
    }
}

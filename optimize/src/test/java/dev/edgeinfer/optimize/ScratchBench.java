package dev.edgeinfer.optimize;

import dev.edgeinfer.simulation.models.MobileNetV2StyleModelFactory;
import org.junit.jupiter.api.Test;
import java.util.ArrayList;
import java.util.List;

class ScratchBench {
    @Test
    void bench() {
        byte[] net = MobileNetV2StyleModelFactory.toOnnx(MobileNetV2StyleModelFactory.Spec.standard()).toByteArray();
        List<Integer> labels = new ArrayList<>();
        List<float[]> cal = TestNets.frames(4, 224, 11, new ArrayList<>());
        List<float[]> held = TestNets.frames(20, 224, 12, labels);
        long t0 = System.nanoTime();
        StaticQuantizer.Result q = StaticQuantizer.quantize(net, cal, StaticQuantizer.Options.standard());
        System.err.println("DIAG quantize s " + (System.nanoTime() - t0) / 1e9 + " size " + q.model().getSerializedSize() + " vs " + net.length);
        ChannelPruner.Result p = ChannelPruner.prune(ChannelPrunerTest.parse(net), new ChannelPruner.Options(0.5, ChannelPruner.Ranking.L1, 8));
        try (OrtModel a = OrtModel.load(net, 1); OrtModel b = OrtModel.load(q.model().toByteArray(), 1); OrtModel c = OrtModel.load(p.model().toByteArray(), 1)) {
            int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
            System.err.println("DIAG int8 " + Fidelity.measure(a, b, held, l, 0.5));
            System.err.println("DIAG pruned " + Fidelity.measure(a, c, held, l, 0.5));
        }
        for (int rep = 0; rep < 3; rep++) {
            System.err.println("DIAG fp32 " + Latency.measure(net, held.get(0), 20, 150));
            System.err.println("DIAG int8 " + Latency.measure(q.model().toByteArray(), held.get(0), 20, 150));
            System.err.println("DIAG p50% " + Latency.measure(p.model().toByteArray(), held.get(0), 20, 150));
        }
    }
}

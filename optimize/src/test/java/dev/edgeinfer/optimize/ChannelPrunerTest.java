package dev.edgeinfer.optimize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.optimize.ChannelPruner.Options;
import dev.edgeinfer.optimize.ChannelPruner.Ranking;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class ChannelPrunerTest {

    @Test
    void ratioZeroLeavesOutputsUnchanged() {
        OnnxMl.ModelProto net = TestNets.concatResidualNet(1);
        ChannelPruner.Result r = ChannelPruner.prune(net, new Options(0, Ranking.L1, 8));
        List<float[]> inputs = TestNets.randomInputs(5, 4 * TestNets.SIZE * TestNets.SIZE, 2);
        try (OrtModel a = OrtModel.load(net.toByteArray(), 1);
                OrtModel b = OrtModel.load(r.model().toByteArray(), 1)) {
            for (float[] x : inputs) {
                assertThat(b.run(x)).containsExactly(a.run(x), org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        assertThat(r.channelsAfter()).isEqualTo(r.channelsBefore());
    }

    @Test
    void halvesConcatResidualAndDepthwiseChannelsConsistently() {
        ChannelPruner.Result r = ChannelPruner.prune(TestNets.concatResidualNet(1), new Options(0.5, Ranking.L1, 8));
        Map<String, OnnxMl.TensorProto> inits =
                OnnxProtos.initializers(r.model().getGraph());
        // a and b: 16 -> 8 each; the concat feeds conv_c 8 + 8 input channels.
        assertThat(OnnxProtos.dims(inits.get("wa"))).containsExactly(8, 4, 1, 1);
        assertThat(OnnxProtos.dims(inits.get("gamma"))).containsExactly(8);
        assertThat(OnnxProtos.dims(inits.get("bb"))).containsExactly(8);
        // conv_c and conv_p are one residual-coupled group: both 8 rows, the same channel set.
        assertThat(OnnxProtos.dims(inits.get("wc"))).containsExactly(8, 16, 3, 3);
        assertThat(OnnxProtos.dims(inits.get("wp"))).containsExactly(8, 8, 1, 1);
        assertThat(OnnxProtos.dims(inits.get("wdw"))).containsExactly(8, 1, 3, 3);
        assertThat(OnnxProtos.dims(inits.get("wfc"))).containsExactly(3, 8);
        OnnxMl.NodeProto dw = r.model().getGraph().getNodeList().stream()
                .filter(n -> n.getName().equals("conv_dw"))
                .findFirst()
                .orElseThrow();
        assertThat(OnnxProtos.intAttr(dw, "group", 0)).isEqualTo(8);
        assertThat(r.channelsBefore()).isEqualTo(64);
        assertThat(r.channelsAfter()).isEqualTo(32);
        try (OrtModel m = OrtModel.load(r.model().toByteArray(), 1)) {
            float[] y = m.run(TestNets.randomInputs(1, 4 * TestNets.SIZE * TestNets.SIZE, 3)
                    .get(0));
            assertThat(y).hasSize(3);
        }
    }

    @Test
    void prunedMobileNetStillAgreesWithTheOriginalOnColourFrames() {
        byte[] net = TestNets.smallMobileNet();
        for (Ranking ranking : Ranking.values()) {
            ChannelPruner.Result r = ChannelPruner.prune(parse(net), new Options(0.5, ranking, 8));
            assertThat(r.groups()).isGreaterThan(5);
            assertThat(r.channelsAfter()).isLessThan(r.channelsBefore() * 3 / 4);
            List<Integer> labels = new ArrayList<>();
            List<float[]> frames = TestNets.frames(8, 64, 5, labels);
            try (OrtModel a = OrtModel.load(net, 1);
                    OrtModel b = OrtModel.load(r.model().toByteArray(), 1)) {
                Fidelity f = Fidelity.measure(
                        a,
                        b,
                        frames,
                        labels.stream().mapToInt(Integer::intValue).toArray(),
                        0.5);
                assertThat(f.top1Agreement()).as(ranking.name()).isGreaterThanOrEqualTo(0.9);
                assertThat(f.referenceAccuracy()).isGreaterThanOrEqualTo(0.95);
            }
        }
    }

    @Test
    void leavesChannelsWholeWhereTheyReachAnOpItCannotFollow() {
        // conv -> Relu -> Flatten (no global pooling first: channels and pixels mixed) -> Gemm.
        dev.edgeinfer.simulation.models.ProtoGraphBuilder g =
                new dev.edgeinfer.simulation.models.ProtoGraphBuilder("flat");
        String c = g.node("Conv", "conv", List.of("x", g.floats("w", new long[] {16, 2, 1, 1}, new float[32])));
        String r = g.node("Relu", "relu", List.of(c));
        String f = g.node(
                "Flatten", "flat", List.of(r), dev.edgeinfer.simulation.models.ProtoGraphBuilder.integer("axis", 1));
        String y = g.node("Gemm", "fc", List.of(f, g.floats("wfc", new long[] {16 * 4, 2}, new float[128])));
        OnnxMl.ModelProto net = g.model("x", new long[] {-1, 2, 2, 2}, y, new long[] {-1, 2}, "flat", Map.of());
        ChannelPruner.Result result = ChannelPruner.prune(net, new Options(0.5, Ranking.L1, 8));
        assertThat(result.frozenGroups()).isEqualTo(1);
        assertThat(result.channelsAfter()).isEqualTo(16);
        assertThat(OnnxProtos.dims(
                        OnnxProtos.initializers(result.model().getGraph()).get("w")))
                .containsExactly(16, 2, 1, 1);
    }

    @Test
    void rejectsARatioOutOfRange() {
        assertThatThrownBy(() -> new Options(1.0, Ranking.L1, 8))
                .isInstanceOf(OptimizationException.class)
                .hasMessageContaining("1.0");
    }

    static OnnxMl.ModelProto parse(byte[] bytes) {
        try {
            return OnnxMl.ModelProto.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}

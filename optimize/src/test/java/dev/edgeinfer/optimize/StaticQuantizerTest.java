package dev.edgeinfer.optimize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class StaticQuantizerTest {

    @Test
    void int8MobileNetLoadsAndAgreesWithTheFloatModel() {
        byte[] net = TestNets.smallMobileNet();
        List<Integer> labels = new ArrayList<>();
        List<float[]> calibration = TestNets.frames(4, 64, 11, new ArrayList<>());
        List<float[]> heldOut = TestNets.frames(8, 64, 12, labels);
        StaticQuantizer.Result q = StaticQuantizer.quantize(net, calibration, StaticQuantizer.Options.standard());
        assertThat(q.quantizedWeights()).isGreaterThan(10);
        assertThat(q.model().getGraph().getNodeList())
                .noneMatch(n -> n.getOpType().equals("BatchNormalization"));
        java.util.Map<Integer, Integer> bytes = new java.util.TreeMap<>();
        q.model()
                .getGraph()
                .getInitializerList()
                .forEach(t -> bytes.merge(t.getDataType(), t.getSerializedSize(), Integer::sum));
        System.err.println("DIAG " + bytes + " nodes " + q.model().getGraph().getNodeCount() + " total "
                + q.model().getSerializedSize() + " vs " + net.length);
        assertThat(q.model().getSerializedSize()).isLessThan(net.length * 3 / 5);
        try (OrtModel a = OrtModel.load(net, 1);
                OrtModel b = OrtModel.load(q.model().toByteArray(), 1)) {
            Fidelity f = Fidelity.measure(
                    a, b, heldOut, labels.stream().mapToInt(Integer::intValue).toArray(), 0.5);
            assertThat(f.top1Agreement()).isGreaterThanOrEqualTo(0.95);
            assertThat(f.meanCosine()).isGreaterThan(0.95);
        }
    }

    @Test
    void reducedRangeWeightsStayWithin63() {
        OnnxMl.ModelProto net = TestNets.concatResidualNet(4);
        List<float[]> calibration = TestNets.randomInputs(8, 4 * TestNets.SIZE * TestNets.SIZE, 5);
        StaticQuantizer.Result q =
                StaticQuantizer.quantize(net.toByteArray(), calibration, StaticQuantizer.Options.reduced());
        List<OnnxMl.TensorProto> int8 = q.model().getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == OnnxMl.TensorProto.DataType.INT8.getNumber()
                        && t.getName().endsWith("_quantized"))
                .toList();
        assertThat(int8).hasSizeGreaterThanOrEqualTo(5);
        int max = 0;
        for (OnnxMl.TensorProto t : int8) {
            for (byte v : OnnxProtos.int8s(t)) {
                max = Math.max(max, Math.abs(v));
            }
        }
        assertThat(max).isEqualTo(63);
        try (OrtModel a = OrtModel.load(net.toByteArray(), 1);
                OrtModel b = OrtModel.load(q.model().toByteArray(), 1)) {
            Fidelity f =
                    Fidelity.measure(a, b, TestNets.randomInputs(20, 4 * TestNets.SIZE * TestNets.SIZE, 6), null, 0.5);
            assertThat(f.meanCosine()).isGreaterThan(0.98);
        }
    }

    @Test
    void refusesToQuantizeWithoutCalibrationSamples() {
        assertThatThrownBy(() -> StaticQuantizer.quantize(
                        TestNets.smallMobileNet(), List.of(), StaticQuantizer.Options.standard()))
                .isInstanceOf(OptimizationException.class)
                .hasMessageContaining("calibration");
    }
}

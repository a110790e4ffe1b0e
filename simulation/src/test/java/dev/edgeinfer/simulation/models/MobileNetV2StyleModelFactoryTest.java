package dev.edgeinfer.simulation.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.models.MobileNetV2StyleModelFactory.Spec;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;

class MobileNetV2StyleModelFactoryTest {

    @Test
    void sameSpecGivesTheSameBytes() {
        assertThat(MobileNetV2StyleModelFactory.toOnnx(Spec.small()).toByteArray())
                .isEqualTo(MobileNetV2StyleModelFactory.toOnnx(Spec.small()).toByteArray());
    }

    @Test
    void hasDepthwiseResidualAndConcatNodes() {
        var nodes = MobileNetV2StyleModelFactory.toOnnx(Spec.small()).getGraph().getNodeList();
        assertThat(nodes).anyMatch(n -> n.getOpType().equals("Add"));
        assertThat(nodes).anyMatch(n -> n.getOpType().equals("Concat"));
        assertThat(nodes).anyMatch(n -> n.getOpType().equals("BatchNormalization"));
        assertThat(nodes)
                .anyMatch(n -> n.getOpType().equals("Conv")
                        && n.getAttributeList().stream()
                                .anyMatch(a -> a.getName().equals("group") && a.getI() > 1));
    }

    @Test
    void classifiesSyntheticColourFrames() throws Exception {
        Spec spec = Spec.small();
        // DJL's engine creates the process-wide environment (with thread pools) and must go first.
        ai.djl.engine.Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        SplittableRandom random = new SplittableRandom(3);
        int correct = 0;
        int total = 0;
        try (OrtSession session =
                env.createSession(MobileNetV2StyleModelFactory.toOnnx(spec).toByteArray())) {
            for (String label : SyntheticFrames.LABELS) {
                for (int i = 0; i < 10; i++) {
                    float[] x = normalise(SyntheticFrames.rgb(label, spec.size(), spec.size(), random), spec.size());
                    try (OnnxTensor t = OnnxTensor.createTensor(
                                    env, FloatBuffer.wrap(x), new long[] {1, 3, spec.size(), spec.size()});
                            OrtSession.Result r = session.run(Map.of(MobileNetV2StyleModelFactory.INPUT_NAME, t))) {
                        float[] p = ((float[][]) r.get(0).getValue())[0];
                        int best = 0;
                        for (int k = 1; k < p.length; k++) {
                            best = p[k] > p[best] ? k : best;
                        }
                        correct += MobileNetV2StyleModelFactory.LABELS.get(best).equals(label) ? 1 : 0;
                        total++;
                    }
                }
            }
        }
        assertThat((double) correct / total).isGreaterThanOrEqualTo(0.96);
    }

    static float[] normalise(byte[] rgb, int size) {
        float[] out = new float[3 * size * size];
        for (int p = 0; p < size * size; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * size * size + p] =
                        ((rgb[p * 3 + c] & 0xff) / 255f - FrameModelFactory.MEAN[c]) / FrameModelFactory.STD[c];
            }
        }
        return out;
    }
}

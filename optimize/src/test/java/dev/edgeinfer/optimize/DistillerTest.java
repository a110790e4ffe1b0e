package dev.edgeinfer.optimize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;
import dev.edgeinfer.simulation.models.SensorTeacherModelFactory;
import dev.edgeinfer.simulation.sensor.LabelledWindow;

import ai.onnx.proto.OnnxMl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

class DistillerTest {

    static SensorModelSpec smallTeacher() {
        SensorModelSpec s = SensorTeacherModelFactory.spec();
        return new SensorModelSpec(
                s.name(),
                s.version(),
                s.channels(),
                s.windowSize(),
                s.slide(),
                s.trainingKinds(),
                16,
                1_000,
                0.01,
                6,
                s.seed());
    }

    @Test
    void studentIsMuchSmallerAndMakesTheTeachersDecisions(@TempDir Path dir) throws Exception {
        SensorModelSpec spec = smallTeacher();
        BuiltModel teacher = SensorTeacherModelFactory.build(spec, dir);
        // Distil on unlabelled windows of another simulated fleet (the student never needs labels).
        List<float[]> train = SensorModelFactory.features(SensorModelFactory.trainingWindows(new SensorModelSpec(
                "unlabelled",
                "v1",
                spec.channels(),
                spec.windowSize(),
                spec.slide(),
                spec.trainingKinds(),
                16,
                1_000,
                0.01,
                1,
                77)));
        List<LabelledWindow> heldOut =
                SensorModelFactory.heldOutWindows(spec.channels(), spec.windowSize(), spec.slide());
        int[] labels = heldOut.stream().mapToInt(w -> w.anomalous() ? 1 : 0).toArray();
        try (OrtModel t = OrtModel.load(teacher.file(), 1)) {
            Distiller.Student student = Distiller.distil(t, train, Distiller.Options.defaults());
            assertThat(student.model().getSerializedSize() * 5L).isLessThan(Files.size(teacher.file()));
            try (OrtModel s = OrtModel.load(student.model().toByteArray(), 1)) {
                Fidelity f = Fidelity.measure(
                        t, s, SensorModelFactory.features(heldOut), labels, SensorModelFactory.THRESHOLD);
                System.err.printf(
                        "teacher recall %.3f, student %s, sizes %d vs %d%n",
                        teacher.heldOutRecall(), f, student.model().getSerializedSize(), Files.size(teacher.file()));
                assertThat(f.decisionAgreement()).isGreaterThanOrEqualTo(0.95);
                assertThat(f.recall()).isGreaterThan(f.referenceRecall() - 0.1);
            }
        }
    }

    @Test
    void featurePruningKeepsTheSignatureAndMostDecisions(@TempDir Path dir) throws Exception {
        BuiltModel v2 = SensorModelFactory.build(SensorModelSpec.v2().withName("small"), dir);
        OnnxMl.ModelProto model = OnnxProtos.read(v2.file());
        List<LabelledWindow> heldOut = SensorModelFactory.heldOutWindows(4, 16, 4);
        List<float[]> inputs = SensorModelFactory.features(heldOut);
        FeaturePruner.Result zero = FeaturePruner.prune(model, 0);
        FeaturePruner.Result half = FeaturePruner.prune(model, 0.5);
        assertThat(half.kept()).hasSize(16);
        try (OrtModel a = OrtModel.load(model.toByteArray(), 1);
                OrtModel b = OrtModel.load(zero.model().toByteArray(), 1);
                OrtModel c = OrtModel.load(half.model().toByteArray(), 1)) {
            assertThat(Fidelity.measure(a, b, inputs.subList(0, 200), null, 0.5).meanScoreError())
                    .isLessThan(1e-6);
            assertThat(c.sampleShape()).containsExactly(1, 32);
            assertThat(Fidelity.measure(a, c, inputs, null, 0.5).decisionAgreement())
                    .isGreaterThanOrEqualTo(0.9);
        }
    }
}

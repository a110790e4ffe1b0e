package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.simulation.models.FrameModelFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** An optimize output directory (its report.json and real ONNX files) as one multi-variant release. */
class OptimizedReleaseTest {

    @TempDir Path dir;

    @Test
    void anOptimizeDirectoryBecomesOneReleaseWithKindsFidelityAndHardwareFromItsReport() throws Exception {
        Path original = FrameModelFactory.build(FrameModelFactory.Spec.v1().withSize(32, 32), dir).file();
        Path int8 = FrameModelFactory.build(FrameModelFactory.Spec.v2().withSize(32, 32), dir.resolve("int8")).file();
        Path otherInputs = FrameModelFactory.build(FrameModelFactory.Spec.v1().withSize(48, 48), dir.resolve("features")).file();
        Files.writeString(dir.resolve("report.json"), """
                {"variants":[
                 {"name":"original","made":true,"file":"%s","fidelity":{"top1Agreement":1.0}},
                 {"name":"int8","made":true,"file":"%s","fidelity":{"top1Agreement":0.985,"meanCosine":0.99}},
                 {"name":"int8-reduced","made":false,"note":"failed"},
                 {"name":"resized-48","made":true,"file":"%s","fidelity":{"decisionAgreement":0.99}}]}
                """.formatted(original, int8, otherInputs));

        OptimizedRelease.Described d = OptimizedRelease.describe(dir, "frame-classifier", "v7", 5_000, 100, "tester", 1);

        ModelRelease r = d.release();
        assertThat(r.sha256()).isEqualTo(Sha256.of(original));
        assertThat(r.variants()).extracting(ModelVariant::kind).containsExactly("fp32", "int8");
        ModelVariant v = r.variants().get(1);
        assertThat(v.sha256()).isEqualTo(Sha256.of(int8));
        assertThat(v.fidelity()).isEqualTo(0.985);
        assertThat(v.cpuFlagsAnyOf()).containsExactlyElementsOf(OptimizedRelease.INT8_CPU_FLAGS);
        assertThat(r.variants().get(0).cpuFlagsAnyOf()).isEmpty();
        assertThat(d.skipped()).singleElement().asString().startsWith("resized-48");
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(r))).isEqualTo(r);
    }
}

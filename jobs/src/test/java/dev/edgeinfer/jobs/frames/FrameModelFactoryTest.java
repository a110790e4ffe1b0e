package dev.edgeinfer.jobs.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.FrameAdapter;
import dev.edgeinfer.operators.frames.FrameClassifierTranslator;
import dev.edgeinfer.operators.frames.FrameTensor;
import dev.edgeinfer.operators.frames.ImageModelMetadata;
import dev.edgeinfer.operators.frames.TopK;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.OnnxSignatures;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.simulation.models.FrameModelFactory.Spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CNN factory: reproducible bytes, both input sizes, and a behaviour that can be checked by
 * hand, through DJL's ONNX Runtime engine and the frame translator.
 */
class FrameModelFactoryTest {

    @TempDir Path dir;

    private static OnnxModelRunner<Frame, TopK> load(BuiltFrameModel model, Map<String, String> metadata, int topK)
            throws ModelLoadException {
        // DJL's engine starts inside load(), before OnnxSignatures touches OrtEnvironment.
        return OnnxModelRunner.load(model.id(), model.file(),
                new FrameClassifierTranslator(ImageModelMetadata.parse(metadata), topK, FrameTensor.Resize.AREA),
                OnnxRunnerOptions.DEFAULTS, new FrameAdapter(topK, FrameTensor.Resize.AREA).warmupBatch());
    }

    @Test
    void sameSpecSameBytesAndVersionsAndSizesDiffer() throws Exception {
        BuiltFrameModel a = FrameModelFactory.build(Spec.v1(), dir.resolve("a"));
        BuiltFrameModel b = FrameModelFactory.build(Spec.v1(), dir.resolve("b"));
        assertThat(Files.readAllBytes(a.file())).isEqualTo(Files.readAllBytes(b.file()));
        assertThat(a.id()).isEqualTo(b.id());
        BuiltFrameModel v2 = FrameModelFactory.build(Spec.v2(), dir);
        BuiltFrameModel big = FrameModelFactory.build(Spec.v2().withSize(224, 224), dir);
        assertThat(v2.id().sha256()).isNotEqualTo(a.id().sha256()).isNotEqualTo(big.id().sha256());
        assertThat(ReleaseFactory.onnxMetadata(v2.file())).containsAllEntriesOf(Spec.v2().releaseMetadata());
    }

    @Test
    void bothInputSizesDeclareNchwInAndProbabilitiesOut() throws Exception {
        for (int size : new int[] {96, 224}) {
            BuiltFrameModel m = FrameModelFactory.build(Spec.v2().withSize(size, size), dir);
            try (OnnxModelRunner<Frame, TopK> runner = load(m, m.releaseMetadata(), 5)) {
                ModelSignature signature = OnnxSignatures.read(m.file());
                assertThat(signature.inputs().get(0).shape()).containsExactly(-1, 3, size, size);
                assertThat(signature.outputs().get(0).shape()).containsExactly(-1, 5);
                assertThat(runner.predict(List.of(Frame.solid("c", 1, 320, 240, 20, 30, 220))).get(0).top1().label())
                        .isEqualTo("blue");
            }
        }
    }

    @Test
    void uniformFramesGetExactlyTheHandComputedProbabilities() throws Exception {
        int[][] colours = {{220, 30, 30}, {30, 220, 30}, {30, 30, 220}, {20, 20, 20}, {240, 240, 240},
            {200, 120, 40}, {128, 128, 128}};
        for (Spec spec : List.of(Spec.v1(), Spec.v2())) {
            BuiltFrameModel m = FrameModelFactory.build(spec, dir);
            try (OnnxModelRunner<Frame, TopK> runner = load(m, m.releaseMetadata(), 5)) {
                for (int[] c : colours) {
                    TopK top = runner.predict(List.of(Frame.solid("c", 1, 96, 96, c[0], c[1], c[2]))).get(0);
                    float[] expected = FrameModelFactory.expectedProbabilities(spec, c[0], c[1], c[2]);
                    for (TopK.Scored s : top.classes()) {
                        assertThat(s.label()).isEqualTo(FrameModelFactory.LABELS.get(s.index()));
                        assertThat(s.score()).as("%s %s p(%s)", spec.version(), java.util.Arrays.toString(c), s.label())
                                .isCloseTo(expected[s.index()], within(2e-4f));
                    }
                    assertThat(top.top1().label()).isEqualTo(FrameModelFactory.expectedLabel(spec, c[0], c[1], c[2]));
                }
            }
        }
        // The versions differ visibly: v1 calls bright frames dark, v2 does not.
        assertThat(FrameModelFactory.expectedLabel(Spec.v1(), 240, 240, 240)).isEqualTo("dark");
        assertThat(FrameModelFactory.expectedLabel(Spec.v2(), 240, 240, 240)).isEqualTo("bright");
    }

    @Test
    void syntheticJpegFramesAreClassifiedAsTheirLabelByV2() throws Exception {
        BuiltFrameModel m = FrameModelFactory.build(Spec.v2(), dir);
        SplittableRandom random = new SplittableRandom(5);
        FrameDecoder decoder = new FrameDecoder(1 << 20, 4096, 4096, java.time.Duration.ofHours(1));
        int correct = 0;
        int total = 0;
        try (OnnxModelRunner<Frame, TopK> runner = load(m, m.releaseMetadata(), 3)) {
            for (int i = 0; i < 100; i++) {
                String label = SyntheticFrames.LABELS.get(i % 5);
                byte[] rgb = SyntheticFrames.rgb(label, 160, 120, random);
                Frame decoded = decoder.decode(FrameDecoderTest.raw(SyntheticFrames.record("t", "cam", System.currentTimeMillis(),
                        SyntheticFrames.jpeg(rgb, 160, 120, 0.85f), 160, 120))).frame();
                TopK top = runner.predict(List.of(decoded)).get(0);
                correct += top.top1().label().equals(label) ? 1 : 0;
                total++;
            }
        }
        assertThat(correct).as("correct of %d", total).isEqualTo(total);
    }

    @Test
    void releaseMetadataThatDoesNotFitTheModelIsASignatureMismatch() throws Exception {
        BuiltFrameModel m = FrameModelFactory.build(Spec.v2(), dir);
        Map<String, String> wrongLabels = new HashMap<>(m.releaseMetadata());
        wrongLabels.put("labels", "a,b,c");
        assertThatThrownBy(() -> load(m, wrongLabels, 3))
                .isInstanceOf(ModelLoadException.class)
                .satisfies(e -> assertThat(((ModelLoadException) e).reason()).isEqualTo(ModelLoadException.Reason.SIGNATURE_MISMATCH))
                .hasMessageContaining("labels");
        Map<String, String> badStd = new HashMap<>(m.releaseMetadata());
        badStd.put("image.std", "0,1,1");
        assertThatThrownBy(() -> load(m, badStd, 3))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("image.std");
        // Without metadata the model still loads (defaults), it just normalises differently.
        try (OnnxModelRunner<Frame, TopK> runner = load(m, Map.of(), 1)) {
            assertThat(runner.predict(List.of(Frame.solid("c", 1, 8, 8, 0, 0, 0))).get(0).classes()).hasSize(1);
        }
    }
}

package dev.edgeinfer.operators.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import dev.edgeinfer.broadcast.ModelId;
import dev.edgeinfer.broadcast.Sha256;
import dev.edgeinfer.operators.sensor.SensorAnomalyTranslator;
import dev.edgeinfer.operators.sensor.SensorFeatures;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Loads real ONNX files, built here with Tribuo's ONNX writer, through DJL's ONNX Runtime engine.
 * The model is {@code score = sigmoid(features . W + b)} over {@link SensorFeatures}, so every
 * score can be computed by hand.
 */
class OnnxModelRunnerTest {

    private static final int CHANNELS = 4;
    private static final int WINDOW = 16;
    private static final int FEATURES = 32;

    @TempDir Path dir;

    @BeforeAll
    static void initialiseTheRunnerBeforeAnyDjlClass() {
        // OnnxModelRunner's static initialiser switches DJL telemetry and downloads off.
        OnnxModelRunner.openRunners();
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    }

    /** Weights chosen so scores spread over (0, 1) for the test windows. */
    private static float[] weights(int width) {
        float[] w = new float[width];
        for (int i = 0; i < width; i++) {
            w[i] = (float) (0.05 * Math.sin(i + 1) - 0.01 * (i % 3));
        }
        return w;
    }

    private static final float BIAS = -0.25f;

    /** Writes {@code features[N, width] -> Gemm(W[width, outputs], b) -> Sigmoid -> score[N, outputs]}. */
    private static Path linearSigmoidModel(Path file, int width, int outputs, float[] w, float bias) throws IOException {
        ONNXContext ctx = new ONNXContext();
        ctx.setName("sensor-anomaly-test");
        ONNXPlaceholder input = ctx.floatInput("features", width);
        ONNXPlaceholder output = ctx.floatOutput("score", outputs);
        ONNXInitializer weights = ctx.floatTensor("W", List.of(width, outputs), buffer -> {
            for (int i = 0; i < width; i++) {
                for (int o = 0; o < outputs; o++) {
                    buffer.put(w[i]);
                }
            }
        });
        float[] biases = new float[outputs];
        java.util.Arrays.fill(biases, bias);
        ONNXInitializer b = ctx.array("b", biases);
        input.apply(ONNXOperators.GEMM, List.<ONNXRef<?>>of(weights, b)).apply(ONNXOperators.SIGMOID).assignTo(output);
        OnnxMl.ModelProto model =
                OnnxMl.ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("edgeinfer-test")
                        .setGraph(ctx.buildGraph())
                        .addOpsetImport(ONNXOperators.getOpsetProto())
                        .build();
        return Files.write(file, model.toByteArray());
    }

    private Path sensorModel() throws IOException {
        return linearSigmoidModel(dir.resolve("sensor-anomaly.onnx"), FEATURES, 1, weights(FEATURES), BIAS);
    }

    private static ModelId idOf(Path file) throws IOException {
        return ModelId.of("sensor-anomaly", "test", Sha256.of(file));
    }

    private static List<SensorWindow> windows(int n, long seed) {
        Random random = new Random(seed);
        List<SensorWindow> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] values = new float[CHANNELS * WINDOW];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * (1 + k % 5)) + (k % 3 == 0 ? i * 0.1f : 0);
            }
            out.add(new SensorWindow("dev-" + k, k, 0, 0, 0, CHANNELS, values));
        }
        return out;
    }

    /** sigmoid(features . W + b), computed in double, independently of ONNX Runtime. */
    private static double expectedScore(SensorWindow window) {
        float[] f = SensorFeatures.compute(window);
        float[] w = weights(FEATURES);
        double z = BIAS;
        for (int i = 0; i < FEATURES; i++) {
            z += (double) f[i] * w[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    private static OnnxModelRunner<SensorWindow, Float> load(ModelId id, Path file) throws ModelLoadException {
        return OnnxModelRunner.load(
                id, file, new SensorAnomalyTranslator(CHANNELS, WINDOW), OnnxRunnerOptions.DEFAULTS, windows(1, 99));
    }

    @Test
    void scoresABatchOfWindowsAsSigmoidOfFeaturesTimesWeightsPlusBias() throws Exception {
        Path file = sensorModel();
        List<SensorWindow> batch = windows(7, 1);

        try (OnnxModelRunner<SensorWindow, Float> runner = load(idOf(file), file)) {
            List<Float> scores = runner.predict(batch);

            assertThat(scores).hasSize(batch.size());
            for (int k = 0; k < batch.size(); k++) {
                assertThat((double) scores.get(k)).as("score of window %d", k).isCloseTo(expectedScore(batch.get(k)), within(1e-5));
            }
            // Not a constant model: the windows get clearly different scores.
            assertThat(scores.stream().mapToDouble(Float::doubleValue).max().getAsDouble()
                    - scores.stream().mapToDouble(Float::doubleValue).min().getAsDouble()).isGreaterThan(0.01);
        }
    }

    @Test
    void batchesLargerThanTheInitialBufferAndSingleWindowsScoreTheSame() throws Exception {
        Path file = sensorModel();
        List<SensorWindow> big = windows(40, 2);

        try (OnnxModelRunner<SensorWindow, Float> runner = load(idOf(file), file)) {
            List<Float> together = runner.predict(big);
            assertThat(together).hasSize(40);
            for (int k = 0; k < big.size(); k++) {
                assertThat((double) together.get(k)).isCloseTo(expectedScore(big.get(k)), within(1e-5));
                assertThat(runner.predict(List.of(big.get(k)))).singleElement().isEqualTo(together.get(k));
            }
        }
    }

    @Test
    void loadedRunnerReportsItsModelAndSignature() throws Exception {
        Path file = sensorModel();
        ModelId id = idOf(file);

        try (OnnxModelRunner<SensorWindow, Float> runner = load(id, file)) {
            assertThat(runner.modelId()).isEqualTo(id);
            assertThat(runner.signature().inputs()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("features");
                assertThat(t.shape()).containsExactly(-1, FEATURES);
            });
            assertThat(runner.signature().outputs()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("score");
                assertThat(t.shape()).containsExactly(-1, 1);
            });
        }
    }

    @Test
    void closeDecrementsOpenRunnersOnceEvenWhenCalledTwice() throws Exception {
        Path file = sensorModel();
        int before = OnnxModelRunner.openRunners();

        OnnxModelRunner<SensorWindow, Float> runner = load(idOf(file), file);
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before + 1);

        runner.close();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
        runner.close();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
    }

    @Test
    void predictAfterCloseThrows() throws Exception {
        Path file = sensorModel();
        OnnxModelRunner<SensorWindow, Float> runner = load(idOf(file), file);
        runner.close();

        assertThatThrownBy(() -> runner.predict(windows(1, 3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void sha256MismatchIsRejectedNamingBothHashesAndNothingStaysOpen() throws Exception {
        Path file = sensorModel();
        String actual = Sha256.of(file);
        String expected = "0".repeat(64);
        ModelId id = ModelId.of("sensor-anomaly", "test", expected);
        int before = OnnxModelRunner.openRunners();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> load(id, file));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("sha256 mismatch", expected, actual);
        assertThat(e.model()).isEqualTo(id);
        assertThat(e.file()).isEqualTo(file);
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
    }

    @Test
    void fileOfRandomBytesIsRejectedAsNotLoadable() throws Exception {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Path file = Files.write(dir.resolve("junk.onnx"), junk);
        int before = OnnxModelRunner.openRunners();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> load(idOf(file), file));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("could not load");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
    }

    @Test
    void missingFileIsRejected() {
        Path file = dir.resolve("absent.onnx");
        ModelId id = ModelId.of("sensor-anomaly", "test", "1".repeat(64));

        assertThatThrownBy(() -> load(id, file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no such file");
    }

    @Test
    void modelWithInputWidth31IsRejectedBecauseItsSignatureDoesNotFit() throws Exception {
        Path file = linearSigmoidModel(dir.resolve("narrow.onnx"), 31, 1, weights(31), BIAS);
        int before = OnnxModelRunner.openRunners();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> load(idOf(file), file));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("does not fit", "features[-1, 31]", "is not [N, 32]");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
    }

    @Test
    void modelWithTwoScoresPerWindowIsRejectedBecauseTheOutputIsNotOneScore() throws Exception {
        Path file = linearSigmoidModel(dir.resolve("two-outputs.onnx"), FEATURES, 2, weights(FEATURES), BIAS);
        int before = OnnxModelRunner.openRunners();

        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> load(idOf(file), file));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("does not fit", "score[-1, 2]", "[N, 1]");
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
    }

    @Test
    void windowOfTheWrongShapeFailsInferenceLoudly() throws Exception {
        Path file = sensorModel();
        SensorWindow wrong = new SensorWindow("dev", 0, 0, 0, 0, CHANNELS, new float[CHANNELS * (WINDOW - 1)]);

        try (OnnxModelRunner<SensorWindow, Float> runner = load(idOf(file), file)) {
            assertThatThrownBy(() -> runner.predict(List.of(wrong)))
                    .isInstanceOf(InferenceException.class)
                    .hasMessageContaining("batch of 1");
        }
    }
}

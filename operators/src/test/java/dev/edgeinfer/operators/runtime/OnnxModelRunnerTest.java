package dev.edgeinfer.operators.runtime;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.CHANNELS;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.FEATURES;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.WINDOW;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.linearSigmoidModel;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.weights;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.windows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.sensor.SensorAnomalyTranslator;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads real ONNX files, built with Tribuo's ONNX writer ({@link TestingOnnxModels}), through DJL's
 * ONNX Runtime engine. The model is {@code score = sigmoid(features . W + b)} over the sensor
 * features, so every score can be computed by hand.
 */
class OnnxModelRunnerTest {

    @TempDir Path dir;

    @BeforeAll
    static void initialiseTheRunnerBeforeAnyDjlClass() {
        // OnnxModelRunner's static initialiser switches DJL telemetry and downloads off.
        OnnxModelRunner.openRunners();
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    }

    private static final float BIAS = -0.25f;

    private Path sensorModel() throws IOException {
        return linearSigmoidModel(dir.resolve("sensor-anomaly.onnx"), FEATURES, 1, weights(FEATURES), BIAS);
    }

    private static ModelId idOf(Path file) throws IOException {
        return ModelId.of("sensor-anomaly", "test", Sha256.of(file));
    }

    private static double expectedScore(SensorWindow window) {
        return TestingOnnxModels.expectedScore(window, BIAS);
    }

    private static OnnxModelRunner<SensorWindow, Float> load(ModelId id, Path file) throws ModelLoadException {
        return OnnxModelRunner.load(
                id, file, new SensorAnomalyTranslator(CHANNELS, WINDOW), OnnxRunnerOptions.DEFAULTS, windows(1, 99));
    }

    private OnnxModelRunner<SensorWindow, Float> loadSensorModel() throws IOException, ModelLoadException {
        Path file = sensorModel();
        return load(idOf(file), file);
    }

    /** Each window's score is sigmoid(features . weights + bias), computed here without ONNX Runtime. */
    private static void assertScoresFollowTheFormula(List<Float> scores, List<SensorWindow> windows) {
        assertThat(scores).hasSize(windows.size());
        for (int k = 0; k < windows.size(); k++) {
            assertThat((double) scores.get(k)).as("score of window %d", k).isCloseTo(expectedScore(windows.get(k)), within(1e-5));
        }
    }

    /** Loads {@code file} as {@code id}, expecting a {@link ModelLoadException}; no ONNX session may stay open. */
    private static ModelLoadException rejectedLeavingNoSessionOpen(ModelId id, Path file) {
        int before = OnnxModelRunner.openRunners();
        int sessions = OnnxModelRunner.openSessions();
        ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> load(id, file));
        assertThat(e).isNotNull();
        assertThat(OnnxModelRunner.openRunners()).isEqualTo(before);
        assertThat(OnnxModelRunner.openSessions()).as("native sessions of the failed load closed").isEqualTo(sessions);
        return e;
    }

    @Test
    void scoresABatchOfWindowsAsSigmoidOfFeaturesTimesWeightsPlusBias() throws Exception {
        List<SensorWindow> batch = windows(7, 1);

        try (OnnxModelRunner<SensorWindow, Float> runner = loadSensorModel()) {
            List<Float> scores = runner.predict(batch);

            assertScoresFollowTheFormula(scores, batch);
            // Not a constant model: the windows get clearly different scores.
            assertThat(scores.stream().mapToDouble(Float::doubleValue).max().getAsDouble()
                    - scores.stream().mapToDouble(Float::doubleValue).min().getAsDouble()).isGreaterThan(0.01);
        }
    }

    @Test
    void batchesLargerThanTheInitialBufferAndSingleWindowsScoreTheSame() throws Exception {
        List<SensorWindow> big = windows(40, 2);

        try (OnnxModelRunner<SensorWindow, Float> runner = loadSensorModel()) {
            List<Float> together = runner.predict(big);
            assertThat(together).hasSize(40);
            assertScoresFollowTheFormula(together, big);
            for (int k = 0; k < big.size(); k++) {
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
        ModelLoadException e = rejectedLeavingNoSessionOpen(id, file);

        assertThat(e.getMessage()).contains("sha256 mismatch", expected, actual);
        assertThat(e.model()).isEqualTo(id);
        assertThat(e.file()).isEqualTo(file);
    }

    @Test
    void fileOfRandomBytesIsRejectedAsNotOnnx() throws Exception {
        Path file = TestingOnnxModels.notOnnx(dir.resolve("junk.onnx"), 4096);
        ModelLoadException e = rejectedLeavingNoSessionOpen(idOf(file), file);

        assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.NOT_ONNX);
        assertThat(e.getMessage()).contains("not an ONNX model");
    }

    @Test
    void onnxFileWithAnOperatorOnnxRuntimeDoesNotKnowIsRejectedAsNotLoadable() throws Exception {
        Path file = TestingOnnxModels.withUnknownOperator(sensorModel(), dir.resolve("unknown-operator.onnx"));
        ModelLoadException e = rejectedLeavingNoSessionOpen(idOf(file), file);

        assertThat(e.reason()).isEqualTo(ModelLoadException.Reason.LOAD_FAILED);
        assertThat(e.getMessage()).contains("could not load");
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
        ModelLoadException e = rejectedLeavingNoSessionOpen(idOf(file), file);

        assertThat(e.getMessage()).contains("does not fit", "features[-1, 31]", "is not [N, 32]");
    }

    @Test
    void modelWithTwoScoresPerWindowIsRejectedBecauseTheOutputIsNotOneScore() throws Exception {
        Path file = linearSigmoidModel(dir.resolve("two-outputs.onnx"), FEATURES, 2, weights(FEATURES), BIAS);
        ModelLoadException e = rejectedLeavingNoSessionOpen(idOf(file), file);

        assertThat(e.getMessage()).contains("does not fit", "score[-1, 2]", "[N, 1]");
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

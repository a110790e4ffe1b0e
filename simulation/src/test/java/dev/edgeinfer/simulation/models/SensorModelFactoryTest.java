package dev.edgeinfer.simulation.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.sensor.SensorFeatures;
import dev.edgeinfer.simulation.sensor.AnomalyKind;
import dev.edgeinfer.simulation.sensor.LabelledWindow;

import ai.djl.engine.Engine;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

class SensorModelFactoryTest {

    /** The quality bar v2 must clear on the held-out windows (threshold 0.5). */
    private static final double V2_MIN_RECALL = 0.85;
    private static final double V2_MIN_PRECISION = 0.80;
    /** How much better v2's recall must be than v1's. */
    private static final double MIN_RECALL_GAIN = 0.20;

    @TempDir
    static Path dir;

    private static BuiltModel v1;
    private static BuiltModel v2;

    @BeforeAll
    static void buildBoth() throws Exception {
        v1 = SensorModelFactory.build(SensorModelSpec.v1(), dir);
        v2 = SensorModelFactory.build(SensorModelSpec.v2(), dir);
    }

    @Test
    void writesNamedFilesWhoseIdsCarryTheirSha256() throws Exception {
        assertThat(v2.file()).isEqualTo(dir.resolve("sensor-anomaly-v2.onnx")).exists();
        assertThat(v2.id().name()).isEqualTo("sensor-anomaly");
        assertThat(v2.id().version()).isEqualTo("v2");
        assertThat(v2.id().sha256()).isEqualTo(Sha256.of(v2.file()));
        assertThat(v1.id().sha256()).isEqualTo(Sha256.of(v1.file()));
        assertThat(v2.featureCount()).isEqualTo(SensorFeatures.featureCount(4));
        assertThat(v2.inputName()).isEqualTo("features");
        assertThat(v2.outputName()).isEqualTo("score");
    }

    @Test
    void buildingTheSameSpecTwiceGivesIdenticalBytes(@TempDir Path other) throws Exception {
        BuiltModel again = SensorModelFactory.build(SensorModelSpec.v2(), other);

        assertThat(again.id()).isEqualTo(v2.id());
        assertThat(Files.readAllBytes(again.file())).isEqualTo(Files.readAllBytes(v2.file()));
        assertThat(again.heldOutRecall()).isEqualTo(v2.heldOutRecall());
    }

    @Test
    void versionsHaveDifferentBytes() {
        assertThat(v1.id().sha256()).isNotEqualTo(v2.id().sha256());
    }

    @Test
    void v2MeetsTheQualityBarAndClearlyBeatsV1() {
        assertThat(v2.heldOutRecall()).isGreaterThanOrEqualTo(V2_MIN_RECALL);
        assertThat(v2.heldOutPrecision()).isGreaterThanOrEqualTo(V2_MIN_PRECISION);
        assertThat(v2.heldOutRecall()).isGreaterThanOrEqualTo(v1.heldOutRecall() + MIN_RECALL_GAIN);
        // v1 has seen spikes only: it is the unseen kinds it misses.
        assertThat(v1.heldOutRecallByKind().get(AnomalyKind.FLATLINE))
                .isLessThan(v2.heldOutRecallByKind().get(AnomalyKind.FLATLINE) - MIN_RECALL_GAIN);
        assertThat(v1.heldOutRecallByKind().get(AnomalyKind.DRIFT))
                .isLessThan(v2.heldOutRecallByKind().get(AnomalyKind.DRIFT));
        assertThat(v1.heldOutRecallByKind().get(AnomalyKind.SPIKE)).isGreaterThan(0.8);
    }

    @Test
    void tribuoFeatureIdsEqualVectorPositions() {
        SensorModelFactory.TrainedSensorModel trained = SensorModelFactory.train(SensorModelSpec.v1());
        String[] names = trained.featureNames();

        assertThat(names).hasSize(32).isSorted();
        assertThat(names[7]).isEqualTo("f007");
        for (int i = 0; i < names.length; i++) {
            assertThat(trained.model().getFeatureIDMap().getID(names[i])).isEqualTo(i);
        }
        assertThat(SensorModelFactory.featureNames(1200)[999]).isEqualTo("f0999");
        assertThat(SensorModelFactory.featureNames(1200)).isSorted();
    }

    @Test
    void fileCarriesOurMetadataAndNoProvenanceOrTimestamps() throws Exception {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(v2.file()));
        Map<String, String> metadata = model.getMetadataPropsList().stream()
                .collect(Collectors.toMap(OnnxMl.StringStringEntryProto::getKey, OnnxMl.StringStringEntryProto::getValue));

        assertThat(model.getProducerName()).isEqualTo(OnnxGraphs.PRODUCER_NAME);
        assertThat(model.getProducerVersion()).isEqualTo(OnnxGraphs.PRODUCER_VERSION);
        assertThat(model.getModelVersion()).isEqualTo(2);
        assertThat(metadata).containsEntry("edgeinfer.model", "sensor-anomaly")
                .containsEntry("edgeinfer.version", "v2")
                .containsEntry("edgeinfer.channels", "4")
                .containsEntry("edgeinfer.window.size", "16")
                .containsEntry("edgeinfer.features", "32")
                .containsEntry("edgeinfer.training.kinds", "SPIKE,DRIFT,FLATLINE")
                .doesNotContainKey("TRIBUO_PROVENANCE");
        assertThat(model.toString()).doesNotContainPattern("20\\d\\d-\\d\\d-\\d\\d").doesNotContain("provenance");

        OnnxMl.ValueInfoProto input = model.getGraph().getInput(0);
        assertThat(input.getName()).isEqualTo("features");
        List<OnnxMl.TensorShapeProto.Dimension> inDims = input.getType().getTensorType().getShape().getDimList();
        assertThat(inDims).hasSize(2);
        assertThat(inDims.get(0).hasDimParam()).as("dynamic batch dimension").isTrue();
        assertThat(inDims.get(1).getDimValue()).isEqualTo(32);
        OnnxMl.ValueInfoProto output = model.getGraph().getOutput(0);
        assertThat(model.getGraph().getOutputCount()).isEqualTo(1);
        assertThat(output.getName()).isEqualTo("score");
        List<OnnxMl.TensorShapeProto.Dimension> outDims = output.getType().getTensorType().getShape().getDimList();
        assertThat(outDims.get(0).hasDimParam()).isTrue();
        assertThat(outDims.get(1).getDimValue()).isEqualTo(1);
    }

    @Test
    void onnxRuntimeScoresABatchLikeTribuoAndReproducesTheEvaluation() throws Exception {
        // DJL must create ONNX Runtime's environment before anyone else does, or it later fails
        // with "an OrtEnvironment already exists"; and it must not phone home.
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
        Engine.getEngine("OnnxRuntime");

        List<LabelledWindow> heldOut = SensorModelFactory.heldOutWindows(4, 16, 4);
        List<float[]> features = SensorModelFactory.features(heldOut);
        int n = features.size();
        FloatBuffer batch = FloatBuffer.allocate(n * 32);
        features.forEach(batch::put);
        batch.flip();

        float[] onnxScores;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(v2.file().toString(), new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, batch, new long[] {n, 32})) {
            assertThat(session.getInputNames()).containsExactly("features");
            assertThat(session.getOutputNames()).containsExactly("score");
            assertThat(((TensorInfo) session.getInputInfo().get("features").getInfo()).getShape())
                    .containsExactly(-1L, 32L);
            try (OrtSession.Result result = session.run(Map.of("features", input))) {
                OnnxTensor score = (OnnxTensor) result.get("score").orElseThrow();
                assertThat(score.getInfo().getShape()).containsExactly((long) n, 1L);
                FloatBuffer buffer = score.getFloatBuffer();
                onnxScores = new float[buffer.remaining()];
                buffer.get(onnxScores);
            }
        }

        float[] tribuoScores = SensorModelFactory.train(SensorModelSpec.v2()).scores(features);
        assertThat(n).isGreaterThan(1000);
        for (int i = 0; i < n; i++) {
            assertThat(onnxScores[i]).as("window %d", i).isCloseTo(tribuoScores[i], within(1e-5f));
        }
        // The scores separate: both confident anomalies and confident normals occur.
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (float s : onnxScores) {
            max = Math.max(max, s);
            min = Math.min(min, s);
        }
        assertThat(max).isGreaterThan(0.9f);
        assertThat(min).isLessThan(0.1f);

        SensorModelFactory.Evaluation evaluation = SensorModelFactory.Evaluation.of(onnxScores, heldOut);
        assertThat(evaluation.recall()).isCloseTo(v2.heldOutRecall(), within(1e-3));
        assertThat(evaluation.precision()).isCloseTo(v2.heldOutPrecision(), within(1e-3));
    }

    @Test
    void otherGeometriesGetTheirOwnInputWidth(@TempDir Path other) throws Exception {
        BuiltModel model = SensorModelFactory.build(SensorModelSpec.v2().withGeometry(2, 12, 3), other);

        assertThat(model.channels()).isEqualTo(2);
        assertThat(model.windowSize()).isEqualTo(12);
        assertThat(model.featureCount()).isEqualTo(16);
        assertThat(model.id().sha256()).isNotEqualTo(v2.id().sha256());
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model.file()));
        assertThat(proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue())
                .isEqualTo(16);
        assertThat(Arrays.asList(model.heldOutRecall(), model.heldOutPrecision())).allMatch(v -> v > 0.5);
    }
}

package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.sensor.SensorFeatures;
import dev.edgeinfer.simulation.models.SensorModelFactory.Evaluation;
import dev.edgeinfer.simulation.models.SensorModelFactory.Standardiser;
import dev.edgeinfer.simulation.sensor.AnomalyKind;
import dev.edgeinfer.simulation.sensor.LabelledWindow;

import ai.onnx.proto.OnnxMl;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * A bigger sensor anomaly scorer to distil from: logistic regression over the standardised
 * {@link SensorFeatures} and all their pairwise products ({@code F + F*F} inputs to the linear
 * layer, e.g. 1056 for 4 channels), trained with Tribuo on more simulated windows than
 * {@link SensorModelSpec#v2()}. Same input and output as the deployed scorer
 * ({@code features [N, F] -> score [N, 1]}), so it can stand in for it.
 *
 * <pre>
 * features -> Sub/Div (standardise) -> z;  z x z^T (Unsqueeze, Mul, Flatten) -> Concat(z, products)
 *          -> Sub/Div (standardise) -> Gemm -> Softmax -> Gather(anomaly column) -> score
 * </pre>
 *
 * <pre>{@code
 * BuiltModel teacher = SensorTeacherModelFactory.build(SensorTeacherModelFactory.spec(), dir);
 * }</pre>
 */
public final class SensorTeacherModelFactory {

    private SensorTeacherModelFactory() {}

    /** The default teacher: all anomaly kinds, 64 devices x 2000 readings, 10 epochs. */
    public static SensorModelSpec spec() {
        return new SensorModelSpec(
                "sensor-anomaly-teacher",
                "v1",
                SensorModelSpec.DEFAULT_CHANNELS,
                SensorModelSpec.DEFAULT_WINDOW_SIZE,
                SensorModelSpec.DEFAULT_SLIDE,
                EnumSet.of(AnomalyKind.SPIKE, AnomalyKind.DRIFT, AnomalyKind.FLATLINE),
                64,
                2_000,
                0.01,
                10,
                303);
    }

    /** Trains, writes {@code outputDir/<name>-<version>.onnx} and evaluates on the held-out windows. */
    public static BuiltModel build(SensorModelSpec spec, Path outputDir) throws IOException {
        List<LabelledWindow> windows = SensorModelFactory.trainingWindows(spec);
        List<float[]> raw = SensorModelFactory.features(windows);
        int f = SensorFeatures.featureCount(spec.channels());
        Standardiser first = Standardiser.fit(raw, f);
        List<float[]> expanded = new ArrayList<>(raw.size());
        raw.forEach(x -> expanded.add(expand(first.applyAsDouble(x))));
        Standardiser second = Standardiser.fit(expanded, f + f * f);
        String[] names = SensorModelFactory.featureNames(f + f * f);
        MutableDataset<Label> data = new MutableDataset<>(
                new SimpleDataSourceProvenance("edgeinfer simulated sensor windows, quadratic", new LabelFactory()),
                new LabelFactory());
        for (int i = 0; i < windows.size(); i++) {
            Label label = windows.get(i).anomalous() ? SensorModelFactory.ANOMALY : SensorModelFactory.NORMAL;
            data.add(new ArrayExample<>(label, names, second.applyAsDouble(expanded.get(i))));
        }
        LinearSGDTrainer trainer = new LinearSGDTrainer(
                new LogMulticlass(), new AdaGrad(0.1, 0.1), spec.epochs(), Integer.MAX_VALUE, 1, spec.seed());
        LinearSGDModel model = trainer.train(data);
        SensorModelFactory.checkFeatureOrder(model.getFeatureIDMap(), names);
        int anomaly = model.getOutputIDInfo().getID(SensorModelFactory.ANOMALY);

        List<LabelledWindow> heldOut =
                SensorModelFactory.heldOutWindows(spec.channels(), spec.windowSize(), spec.slide());
        List<org.tribuo.Example<Label>> examples = new ArrayList<>();
        for (float[] x : SensorModelFactory.features(heldOut)) {
            examples.add(new ArrayExample<>(
                    SensorModelFactory.NORMAL, names, second.applyAsDouble(expand(first.applyAsDouble(x)))));
        }
        List<Prediction<Label>> predictions = model.predict(examples);
        float[] scores = new float[predictions.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) predictions
                    .get(i)
                    .getOutputScores()
                    .get(SensorModelFactory.ANOMALY.getLabel())
                    .getScore();
        }
        Evaluation evaluation = Evaluation.of(scores, heldOut);

        Path file = outputDir.resolve(spec.fileName());
        OnnxGraphs.write(toOnnx(spec, model, anomaly, first, second), file);
        return new BuiltModel(
                ModelId.of(spec.name(), spec.version(), Sha256.of(file)),
                file,
                spec.channels(),
                spec.windowSize(),
                f,
                SensorModelFactory.INPUT_NAME,
                SensorModelFactory.OUTPUT_NAME,
                evaluation.precision(),
                evaluation.recall(),
                evaluation.recallByKind());
    }

    /** {@code z} followed by all products {@code z[i] * z[j]}, row-major, in float like the graph. */
    static float[] expand(double[] z) {
        int f = z.length;
        float[] out = new float[f + f * f];
        for (int i = 0; i < f; i++) {
            out[i] = (float) z[i];
        }
        for (int i = 0; i < f; i++) {
            for (int j = 0; j < f; j++) {
                out[f + i * f + j] = (float) z[i] * (float) z[j];
            }
        }
        return out;
    }

    private static OnnxMl.ModelProto toOnnx(
            SensorModelSpec spec, LinearSGDModel model, int anomaly, Standardiser first, Standardiser second) {
        int f = first.mean().length;
        ONNXContext ctx = new ONNXContext();
        ctx.setName(spec.name() + "-" + spec.version());
        ONNXPlaceholder input = ctx.floatInput(SensorModelFactory.INPUT_NAME, f);
        ONNXNode z = OnnxGraphs.standardise(input, first.mean(), first.std());
        ONNXNode column = z.apply(ONNXOperators.UNSQUEEZE, ctx.array("axis_2", new long[] {2}));
        ONNXNode row = z.apply(ONNXOperators.UNSQUEEZE, ctx.array("axis_1", new long[] {1}));
        ONNXNode products = ctx.operation(ONNXOperators.MUL, List.<ONNXRef<?>>of(column, row), "outer")
                .apply(CnnOperators.FLATTEN, Map.of("axis", 1));
        ONNXNode joined =
                ctx.operation(ONNXOperators.CONCAT, List.<ONNXRef<?>>of(z, products), "quadratic", Map.of("axis", 1));
        ONNXContext c = ctx;
        ONNXNode standardised = joined.apply(ONNXOperators.SUB, c.array("quadratic_mean", second.mean()))
                .apply(ONNXOperators.DIV, c.array("quadratic_std", second.std()));
        ONNXNode probabilities = model.writeONNXGraph(standardised);
        OnnxGraphs.column(probabilities, anomaly).assignTo(ctx.floatOutput(SensorModelFactory.OUTPUT_NAME, 1));
        Map<String, String> metadata = SensorModelFactory.scorerMetadata(spec, f);
        String doc = "EdgeInfer " + spec.name() + " " + spec.version() + ": logistic regression over standardised "
                + "SensorFeatures and their pairwise products (" + (f + f * f)
                + " inputs); 'score' [N,1] is P(anomaly).";
        return OnnxGraphs.reproducibleModel(ctx, SensorModelFactory.DOMAIN, 1, doc, metadata);
    }
}

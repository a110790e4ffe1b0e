package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.sensor.SensorFeatures;
import dev.edgeinfer.simulation.sensor.AnomalyKind;
import dev.edgeinfer.simulation.sensor.LabelledWindow;
import dev.edgeinfer.simulation.sensor.LabelledWindows;
import dev.edgeinfer.simulation.sensor.SensorSignal;

import ai.onnx.proto.OnnxMl;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
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
import org.tribuo.util.onnx.ONNXPlaceholder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Builds the sensor anomaly model: a logistic regression over standardised
 * {@link SensorFeatures}, trained with Tribuo on simulated, labelled windows and exported as one
 * ONNX graph {@code features [N, F] -> score [N, 1]}.
 *
 * <p>The graph is {@code Sub(mean) -> Div(std) -> Gemm -> Softmax -> Gather(anomaly column)}: the
 * standardisation travels inside the model, so the inference side feeds raw
 * {@code SensorFeatures} and model and pre-processing cannot disagree. The same spec always gives
 * the same bytes (seeded data and trainer, no provenance or timestamps in the file), so a
 * {@link ModelId}'s sha256 names one model for good.
 *
 * <pre>{@code
 * BuiltModel v2 = SensorModelFactory.build(SensorModelSpec.v2(), modelDir);
 * // modelDir/sensor-anomaly-v2.onnx, v2.id() = sensor-anomaly:v2@<sha256>
 * }</pre>
 */
public final class SensorModelFactory {

    /** The graph input: raw {@code SensorFeatures}, {@code [N, F]} float. */
    public static final String INPUT_NAME = "features";
    /** The graph output: the anomaly probability, {@code [N, 1]} float. */
    public static final String OUTPUT_NAME = "score";
    /** Windows scoring at least this are flagged as anomalous. */
    public static final double THRESHOLD = 0.5;
    /** The ONNX model domain. */
    public static final String DOMAIN = "dev.edgeinfer";

    /** Seed of the held-out fleet; no training spec should use it. */
    public static final long HELD_OUT_SEED = 0x5EED_0F_4E1DL;
    /** Devices in the held-out fleet. */
    public static final int HELD_OUT_DEVICES = 24;
    /** Readings per held-out device. */
    public static final int HELD_OUT_READINGS = 2_000;
    /** Episode start probability in the held-out fleet, with all anomaly kinds enabled. */
    public static final double HELD_OUT_ANOMALY_RATE = 0.01;

    static final Label ANOMALY = new Label("anomaly");
    static final Label NORMAL = new Label("normal");

    private SensorModelFactory() {}

    /**
     * Trains the model {@code spec} describes, writes it to {@code outputDir/<name>-<version>.onnx}
     * (replacing any file there) and evaluates it on the held-out windows.
     */
    public static BuiltModel build(SensorModelSpec spec, Path outputDir) throws IOException {
        TrainedSensorModel trained = train(spec);
        List<LabelledWindow> heldOut = heldOutWindows(spec.channels(), spec.windowSize(), spec.slide());
        Evaluation evaluation = Evaluation.of(trained.scores(features(heldOut)), heldOut);
        Path file = outputDir.resolve(spec.fileName());
        OnnxGraphs.write(trained.toOnnx(evaluation), file);
        ModelId id = ModelId.of(spec.name(), spec.version(), Sha256.of(file));
        return new BuiltModel(id, file, spec.channels(), spec.windowSize(), trained.featureCount(),
                INPUT_NAME, OUTPUT_NAME, evaluation.precision(), evaluation.recall(), evaluation.recallByKind());
    }

    /**
     * The held-out windows every model of this geometry is evaluated on: a fleet of
     * {@value #HELD_OUT_DEVICES} devices seeded from {@link #HELD_OUT_SEED}, with all anomaly kinds.
     */
    public static List<LabelledWindow> heldOutWindows(int channels, int windowSize, int slide) {
        return fleetWindows("held-out-", HELD_OUT_SEED, HELD_OUT_DEVICES, HELD_OUT_READINGS, channels,
                windowSize, slide, HELD_OUT_ANOMALY_RATE, AnomalyKind.anomalies());
    }

    /** The labelled windows {@code spec} trains on. */
    public static List<LabelledWindow> trainingWindows(SensorModelSpec spec) {
        return fleetWindows("train-", spec.seed(), spec.trainingDevices(), spec.readingsPerDevice(),
                spec.channels(), spec.windowSize(), spec.slide(), spec.trainingAnomalyRate(), spec.trainingKinds());
    }

    /** {@code SensorFeatures} of each window, in order. */
    public static List<float[]> features(List<LabelledWindow> windows) {
        List<float[]> out = new ArrayList<>(windows.size());
        for (LabelledWindow w : windows) {
            out.add(SensorFeatures.compute(w.window()));
        }
        return out;
    }

    private static List<LabelledWindow> fleetWindows(String prefix, long fleetSeed, int devices, int readings,
            int channels, int windowSize, int slide, double rate, Set<AnomalyKind> kinds) {
        List<LabelledWindow> out = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            SensorSignal signal = new SensorSignal(channels, SensorSignal.deviceSeed(fleetSeed, d), rate, kinds);
            out.addAll(LabelledWindows.slide(prefix + d, signal.next(readings), windowSize, slide));
        }
        return out;
    }

    /** Trains (but does not write) the model {@code spec} describes. */
    static TrainedSensorModel train(SensorModelSpec spec) {
        List<LabelledWindow> windows = trainingWindows(spec);
        List<float[]> features = features(windows);
        int featureCount = SensorFeatures.featureCount(spec.channels());
        Standardiser standardiser = Standardiser.fit(features, featureCount);
        String[] names = featureNames(featureCount);

        MutableDataset<Label> dataset = new MutableDataset<>(
                new SimpleDataSourceProvenance("edgeinfer simulated sensor windows", new LabelFactory()),
                new LabelFactory());
        for (int i = 0; i < windows.size(); i++) {
            Label label = windows.get(i).anomalous() ? ANOMALY : NORMAL;
            dataset.add(new ArrayExample<>(label, names, standardiser.applyAsDouble(features.get(i))));
        }

        // A fresh trainer per build: Tribuo derives each training run's RNG from the trainer's
        // seed and its invocation count, so reusing a trainer would change the result.
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.5, 0.1),
                spec.epochs(), Integer.MAX_VALUE, 1, spec.seed());
        LinearSGDModel model = trainer.train(dataset);
        checkFeatureOrder(model.getFeatureIDMap(), names);
        int anomalyIndex = model.getOutputIDInfo().getID(ANOMALY);
        if (anomalyIndex < 0) {
            throw new IllegalStateException("the trained model does not know the anomaly label");
        }
        return new TrainedSensorModel(spec, model, standardiser, names, anomalyIndex);
    }

    /**
     * Names that sort in vector order ({@code f000}, {@code f001}, ...): Tribuo numbers features by
     * sorted name, and the ONNX graph takes a plain vector in that numbering.
     */
    static String[] featureNames(int featureCount) {
        int digits = Math.max(3, String.valueOf(featureCount - 1).length());
        String[] names = new String[featureCount];
        for (int i = 0; i < featureCount; i++) {
            names[i] = String.format(Locale.ROOT, "f%0" + digits + "d", i);
        }
        return names;
    }

    /** Fails unless Tribuo's feature ids are exactly the vector positions. */
    static void checkFeatureOrder(ImmutableFeatureMap featureMap, String[] names) {
        if (featureMap.size() != names.length) {
            throw new IllegalStateException("the model knows " + featureMap.size() + " features, expected "
                    + names.length + " (a feature that is constant zero in the training data is dropped)");
        }
        for (int i = 0; i < names.length; i++) {
            if (featureMap.getID(names[i]) != i) {
                throw new IllegalStateException("feature " + names[i] + " has id " + featureMap.getID(names[i])
                        + ", expected " + i);
            }
        }
    }

    /** Per-feature mean and standard deviation of the training set, applied in float like the graph. */
    record Standardiser(float[] mean, float[] std) {

        static Standardiser fit(List<float[]> features, int featureCount) {
            double[] sum = new double[featureCount];
            double[] squares = new double[featureCount];
            for (float[] f : features) {
                for (int j = 0; j < featureCount; j++) {
                    sum[j] += f[j];
                    squares[j] += (double) f[j] * f[j];
                }
            }
            float[] mean = new float[featureCount];
            float[] std = new float[featureCount];
            int n = features.size();
            for (int j = 0; j < featureCount; j++) {
                double m = sum[j] / n;
                double s = Math.sqrt(Math.max(0, squares[j] / n - m * m));
                mean[j] = (float) m;
                // A constant feature carries no information; dividing by 1 keeps it finite.
                std[j] = s < 1e-6 ? 1f : (float) s;
            }
            return new Standardiser(mean, std);
        }

        double[] applyAsDouble(float[] features) {
            double[] out = new double[features.length];
            for (int j = 0; j < features.length; j++) {
                // Same float operations as the graph's Sub and Div, so Tribuo and ONNX see equal inputs.
                out[j] = (features[j] - mean[j]) / std[j];
            }
            return out;
        }
    }

    /** A trained model with its standardisation, before export. */
    record TrainedSensorModel(SensorModelSpec spec, LinearSGDModel model, Standardiser standardiser,
            String[] featureNames, int anomalyIndex) {

        int featureCount() {
            return featureNames.length;
        }

        /** Anomaly probabilities by Tribuo, for raw {@code SensorFeatures} vectors. */
        float[] scores(List<float[]> features) {
            List<Example<Label>> examples = new ArrayList<>(features.size());
            for (float[] f : features) {
                examples.add(new ArrayExample<>(NORMAL, featureNames, standardiser.applyAsDouble(f)));
            }
            List<Prediction<Label>> predictions = model.predict(examples);
            float[] scores = new float[predictions.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (float) predictions.get(i).getOutputScores().get(ANOMALY.getLabel()).getScore();
            }
            return scores;
        }

        OnnxMl.ModelProto toOnnx(Evaluation evaluation) {
            ONNXContext ctx = new ONNXContext();
            ctx.setName(spec.name() + "-" + spec.version());
            ONNXPlaceholder input = ctx.floatInput(INPUT_NAME, featureCount());
            ONNXNode standardised = OnnxGraphs.standardise(input, standardiser.mean(), standardiser.std());
            ONNXNode probabilities = model.writeONNXGraph(standardised);
            OnnxGraphs.column(probabilities, anomalyIndex).assignTo(ctx.floatOutput(OUTPUT_NAME, 1));

            Map<String, String> metadata = scorerMetadata(spec, featureCount());
            metadata.put("edgeinfer.input", INPUT_NAME);
            metadata.put("edgeinfer.output", OUTPUT_NAME);
            metadata.put("edgeinfer.training.kinds", spec.trainingKinds().stream().sorted()
                    .map(AnomalyKind::name).collect(Collectors.joining(",")));
            metadata.put("edgeinfer.training.windows",
                    Long.toString(spec.trainingDevices() * LabelledWindows.windowCount(
                            spec.readingsPerDevice(), spec.windowSize(), spec.slide())));
            metadata.put("edgeinfer.heldout.precision", format(evaluation.precision()));
            metadata.put("edgeinfer.heldout.recall", format(evaluation.recall()));
            String doc = "EdgeInfer " + spec.name() + " " + spec.version() + ": logistic regression over "
                    + "standardised SensorFeatures of " + spec.windowSize() + "x" + spec.channels()
                    + " windows; '" + OUTPUT_NAME + "' [N,1] is P(anomaly), flag at >= " + THRESHOLD + ".";
            return OnnxGraphs.reproducibleModel(ctx, DOMAIN, modelVersion(spec.version()), doc, metadata);
        }

        private static String format(double value) {
            return String.format(Locale.ROOT, "%.4f", value);
        }

        /** {@code v2} -> 2; anything else without a number -> 0 (the label stays in the metadata). */
        private static long modelVersion(String version) {
            String digits = version.replaceAll("[^0-9]", "");
            return digits.isEmpty() || digits.length() > 18 ? 0 : Long.parseLong(digits);
        }
    }

    /** Precision and recall of scores against window labels at {@link #THRESHOLD}. */
    record Evaluation(double precision, double recall, Map<AnomalyKind, Double> recallByKind) {

        static Evaluation of(float[] scores, List<LabelledWindow> windows) {
            if (scores.length != windows.size()) {
                throw new IllegalArgumentException(scores.length + " scores for " + windows.size() + " windows");
            }
            int truePositives = 0;
            int flagged = 0;
            int anomalous = 0;
            Map<AnomalyKind, int[]> byKind = new EnumMap<>(AnomalyKind.class); // {windows, flagged}
            for (int i = 0; i < scores.length; i++) {
                boolean flag = scores[i] >= THRESHOLD;
                LabelledWindow w = windows.get(i);
                flagged += flag ? 1 : 0;
                if (w.anomalous()) {
                    anomalous++;
                    truePositives += flag ? 1 : 0;
                }
                for (AnomalyKind kind : w.anomalies()) {
                    int[] counts = byKind.computeIfAbsent(kind, k -> new int[2]);
                    counts[0]++;
                    counts[1] += flag ? 1 : 0;
                }
            }
            Map<AnomalyKind, Double> recallByKind = new EnumMap<>(AnomalyKind.class);
            byKind.forEach((kind, counts) -> recallByKind.put(kind, (double) counts[1] / counts[0]));
            return new Evaluation(
                    flagged == 0 ? 0 : (double) truePositives / flagged,
                    anomalous == 0 ? 0 : (double) truePositives / anomalous,
                    recallByKind);
        }
    }

    /**
     * The metadata every anomaly scorer over {@link SensorFeatures} carries: name, version, window
     * shape, feature count and extractor, threshold. The model writer sorts it by key.
     */
    static Map<String, String> scorerMetadata(SensorModelSpec spec, int features) {
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("edgeinfer.model", spec.name());
        metadata.put("edgeinfer.version", spec.version());
        metadata.put("edgeinfer.channels", Integer.toString(spec.channels()));
        metadata.put("edgeinfer.window.size", Integer.toString(spec.windowSize()));
        metadata.put("edgeinfer.window.slide", Integer.toString(spec.slide()));
        metadata.put("edgeinfer.features", Integer.toString(features));
        metadata.put("edgeinfer.features.extractor", SensorFeatures.class.getName());
        metadata.put("edgeinfer.threshold", Double.toString(THRESHOLD));
        return metadata;
    }
}

package dev.edgeinfer.optimize;

import ai.onnx.proto.OnnxMl;
import org.tribuo.MutableDataset;
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
import org.tribuo.util.onnx.ONNXRef;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Distils a scorer ({@code [N, F] -> [N, 1]} probability, e.g. the sensor anomaly model) into a
 * small Tribuo logistic regression over standardised input features, exported to ONNX with the
 * same input and output names and shapes.
 *
 * <p>Soft targets: every training input becomes two examples, {@code positive} weighted by the
 * teacher's probability and {@code negative} by its complement. Tribuo's SGD trainers multiply
 * each example's gradient by its weight, so this minimises the cross-entropy to the teacher's
 * probabilities, not to hard labels.
 *
 * <pre>{@code
 * try (OrtModel teacher = OrtModel.load(teacherFile, 1)) {
 *     OnnxMl.ModelProto student = Distiller.distil(teacher, trainingInputs, Distiller.Options.defaults()).model();
 * }
 * }</pre>
 */
public final class Distiller {

    private static final Label POSITIVE = new Label("positive");
    private static final Label NEGATIVE = new Label("negative");

    private Distiller() {}

    /**
     * Student training settings.
     *
     * @param epochs SGD passes
     * @param seed trainer seed
     * @param learningRate AdaGrad learning rate
     * @param features the input columns the student reads (null: all)
     * @param squares whether the student also reads each standardised feature's square (a
     *     quadratic teacher's boundary, at twice a linear student's size)
     */
    public record Options(int epochs, long seed, double learningRate, int[] features, boolean squares) {
        public Options {
            if (epochs < 1) {
                throw new OptimizationException("epochs must be >= 1, got " + epochs);
            }
            features = features == null ? null : features.clone();
        }

        public static Options defaults() {
            return new Options(10, 42, 0.5, null, true);
        }
    }

    /**
     * The student.
     *
     * @param model its ONNX graph
     * @param features input columns it reads
     */
    public record Student(OnnxMl.ModelProto model, int features) {}

    /** Trains the student on the teacher's scores of {@code inputs}. */
    public static Student distil(OrtModel teacher, List<float[]> inputs, Options options) {
        if (inputs.isEmpty()) {
            throw new OptimizationException("distillation needs training inputs, got none");
        }
        int width = inputs.get(0).length;
        int[] cols = options.features() != null
                ? options.features()
                : java.util.stream.IntStream.range(0, width).toArray();
        float[] mean = new float[cols.length];
        float[] std = new float[cols.length];
        double[] sum = new double[cols.length];
        double[] sq = new double[cols.length];
        for (float[] x : inputs) {
            for (int j = 0; j < cols.length; j++) {
                sum[j] += x[cols[j]];
                sq[j] += (double) x[cols[j]] * x[cols[j]];
            }
        }
        for (int j = 0; j < cols.length; j++) {
            double m = sum[j] / inputs.size();
            double s = Math.sqrt(Math.max(0, sq[j] / inputs.size() - m * m));
            mean[j] = (float) m;
            std[j] = s < 1e-6 ? 1f : (float) s;
        }
        int width2 = options.squares() ? 2 * cols.length : cols.length;
        String[] names = new String[width2];
        for (int j = 0; j < names.length; j++) {
            names[j] = String.format(Locale.ROOT, "f%04d", j);
        }
        List<double[]> zs = new java.util.ArrayList<>(inputs.size());
        double[] sum2 = new double[width2];
        double[] sq2 = new double[width2];
        for (float[] x : inputs) {
            double[] z = new double[width2];
            for (int j = 0; j < cols.length; j++) {
                float v = (x[cols[j]] - mean[j]) / std[j];
                z[j] = v;
                if (options.squares()) {
                    z[cols.length + j] = v * v;
                }
            }
            for (int j = 0; j < width2; j++) {
                sum2[j] += z[j];
                sq2[j] += z[j] * z[j];
            }
            zs.add(z);
        }
        float[] mean2 = new float[width2];
        float[] std2 = new float[width2];
        for (int j = 0; j < width2; j++) {
            double m = sum2[j] / inputs.size();
            double s = Math.sqrt(Math.max(0, sq2[j] / inputs.size() - m * m));
            mean2[j] = (float) m;
            std2[j] = s < 1e-6 ? 1f : (float) s;
        }
        MutableDataset<Label> data = new MutableDataset<>(
                new SimpleDataSourceProvenance("teacher scores", new LabelFactory()), new LabelFactory());
        if (teacher.run(inputs.get(0)).length != 1) {
            throw new OptimizationException(
                    "the teacher must output one score per input, it outputs " + teacher.run(inputs.get(0)).length);
        }
        for (int i = 0; i < inputs.size(); i++) {
            float p = teacher.run(inputs.get(i))[0];
            double[] z = zs.get(i);
            for (int j = 0; j < width2; j++) {
                z[j] = (float) ((float) z[j] - mean2[j]) / std2[j];
            }
            addWeighted(data, POSITIVE, names, z, p);
            addWeighted(data, NEGATIVE, names, z, 1 - p);
        }
        LinearSGDTrainer trainer = new LinearSGDTrainer(
                new LogMulticlass(),
                new AdaGrad(options.learningRate(), 0.1),
                options.epochs(),
                Integer.MAX_VALUE,
                1,
                options.seed());
        LinearSGDModel model = trainer.train(data);
        if (model.getFeatureIDMap().size() != width2) {
            throw new OptimizationException(
                    "the student knows " + model.getFeatureIDMap().size() + " features, expected " + width2
                            + " (a feature constant zero in the training data is dropped)");
        }
        return new Student(
                export(teacher, model, cols, width, mean, std, options.squares() ? new float[][] {mean2, std2} : null),
                cols.length);
    }

    private static void addWeighted(
            MutableDataset<Label> data, Label label, String[] names, double[] z, double weight) {
        if (weight > 1e-6) {
            ArrayExample<Label> e = new ArrayExample<>(label, names, z);
            e.setWeight((float) weight);
            data.add(e);
        }
    }

    private static OnnxMl.ModelProto export(
            OrtModel teacher,
            LinearSGDModel model,
            int[] cols,
            int width,
            float[] mean,
            float[] std,
            float[][] second) {
        ONNXContext ctx = new ONNXContext();
        ctx.setName("distilled-student");
        ONNXRef<?> x = ctx.floatInput(teacher.inputName(), width);
        if (cols.length != width) {
            x = x.apply(
                    ONNXOperators.GATHER,
                    ctx.array(
                            "student_columns",
                            java.util.Arrays.stream(cols).asLongStream().toArray()),
                    Map.of("axis", 1));
        }
        ONNXNode z = x.apply(ONNXOperators.SUB, ctx.array("student_mean", mean))
                .apply(ONNXOperators.DIV, ctx.array("student_std", std));
        if (second != null) {
            ONNXNode squared = ctx.operation(ONNXOperators.MUL, List.<ONNXRef<?>>of(z, z), "student_squares");
            z = ctx.operation(
                            ONNXOperators.CONCAT, List.<ONNXRef<?>>of(z, squared), "student_inputs", Map.of("axis", 1))
                    .apply(ONNXOperators.SUB, ctx.array("student_mean2", second[0]))
                    .apply(ONNXOperators.DIV, ctx.array("student_std2", second[1]));
        }
        ONNXNode probabilities = model.writeONNXGraph(z);
        int positive = model.getOutputIDInfo().getID(POSITIVE);
        probabilities
                .apply(ONNXOperators.GATHER, ctx.array("positive_column", new long[] {positive}), Map.of("axis", 1))
                .assignTo(ctx.floatOutput(teacher.outputName(), 1));
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(7)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("edgeinfer-optimize")
                .setProducerVersion("1")
                .setDocString("Logistic regression over " + cols.length
                        + " standardised features, distilled from a teacher's scores.")
                .setGraph(ctx.buildGraph())
                .build();
    }
}

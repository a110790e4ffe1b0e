package dev.edgeinfer.optimize;

import java.util.List;

/**
 * How closely a variant follows the original on held-out inputs, and how good both are where
 * labels exist. Classifiers ({@code [N, K]} outputs, K > 1): top-1 agreement, mean output cosine,
 * accuracy. Scorers ({@code [N, 1]}): mean absolute score error, decision agreement at a
 * threshold, recall and precision. Fields that do not apply are NaN.
 *
 * <pre>{@code
 * Fidelity f = Fidelity.measure(original, variant, inputs, labels, 0.5);
 * f.top1Agreement();
 * }</pre>
 *
 * @param samples inputs compared
 * @param top1Agreement share of inputs whose arg-max class is the same
 * @param meanCosine mean cosine similarity of the output vectors
 * @param accuracy the variant's top-1 accuracy against labels
 * @param referenceAccuracy the original's top-1 accuracy against labels
 * @param meanScoreError mean |variant score - original score|
 * @param decisionAgreement share of inputs on the same side of the threshold
 * @param recall the variant's recall against labels (label 1 = positive)
 * @param referenceRecall the original's recall
 * @param precision the variant's precision against labels
 */
public record Fidelity(
        int samples,
        double top1Agreement,
        double meanCosine,
        double accuracy,
        double referenceAccuracy,
        double meanScoreError,
        double decisionAgreement,
        double recall,
        double referenceRecall,
        double precision) {

    /**
     * Runs both models on every input and compares.
     *
     * @param labels class per input (a scorer's: 1 positive, 0 negative), -1 when unknown; or null
     * @param threshold a scorer's decision threshold
     */
    public static Fidelity measure(
            OrtModel original, OrtModel variant, List<float[]> inputs, int[] labels, double threshold) {
        if (inputs.isEmpty()) {
            throw new OptimizationException("no held-out inputs to compare on");
        }
        int agree = 0;
        double cosine = 0;
        int labelled = 0;
        int correct = 0;
        int refCorrect = 0;
        double scoreError = 0;
        int positives = 0;
        int tp = 0;
        int refTp = 0;
        int flagged = 0;
        boolean scorer = false;
        for (int i = 0; i < inputs.size(); i++) {
            float[] a = original.run(inputs.get(i));
            float[] b = variant.run(inputs.get(i));
            if (a.length != b.length) {
                throw new OptimizationException("output sizes differ: original " + a.length + ", variant " + b.length);
            }
            int label = labels == null ? -1 : labels[i];
            scorer = a.length == 1;
            if (scorer) {
                boolean da = a[0] >= threshold;
                boolean db = b[0] >= threshold;
                agree += da == db ? 1 : 0;
                scoreError += Math.abs(a[0] - b[0]);
                flagged += db ? 1 : 0;
                if (label >= 0) {
                    labelled++;
                    if (label == 1) {
                        positives++;
                        tp += db ? 1 : 0;
                        refTp += da ? 1 : 0;
                    }
                    correct += (label == 1) == db ? 1 : 0;
                    refCorrect += (label == 1) == da ? 1 : 0;
                }
            } else {
                int ta = argMax(a);
                int tb = argMax(b);
                agree += ta == tb ? 1 : 0;
                cosine += cosine(a, b);
                if (label >= 0) {
                    labelled++;
                    correct += tb == label ? 1 : 0;
                    refCorrect += ta == label ? 1 : 0;
                }
            }
        }
        int n = inputs.size();
        double nan = Double.NaN;
        double accuracy = labelled == 0 ? nan : (double) correct / labelled;
        double refAccuracy = labelled == 0 ? nan : (double) refCorrect / labelled;
        if (scorer) {
            return new Fidelity(
                    n,
                    nan,
                    nan,
                    accuracy,
                    refAccuracy,
                    scoreError / n,
                    (double) agree / n,
                    positives == 0 ? nan : (double) tp / positives,
                    positives == 0 ? nan : (double) refTp / positives,
                    flagged == 0 ? nan : (double) tp / flagged);
        }
        return new Fidelity(n, (double) agree / n, cosine / n, accuracy, refAccuracy, nan, nan, nan, nan, nan);
    }

    /** The quality figure a chart plots: accuracy, else recall, else agreement. */
    public double quality() {
        if (!Double.isNaN(accuracy) && Double.isNaN(decisionAgreement)) {
            return accuracy;
        }
        if (!Double.isNaN(recall)) {
            return recall;
        }
        return Double.isNaN(top1Agreement) ? decisionAgreement : top1Agreement;
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += (double) a[k] * b[k];
            na += (double) a[k] * a[k];
            nb += (double) b[k] * b[k];
        }
        return na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
    }
}

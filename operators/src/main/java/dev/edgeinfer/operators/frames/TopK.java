package dev.edgeinfer.operators.frames;

import dev.edgeinfer.operators.PredictionSummary;

import java.util.List;

/**
 * The best {@code k} classes of one frame, best first.
 *
 * @param classes class name, output column and score, by descending score (ties: lower column first)
 */
public record TopK(List<Scored> classes) {

    /** One class and its score. */
    public record Scored(String label, int index, float score) {}

    public TopK {
        classes = List.copyOf(classes);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("top-k needs at least one class");
        }
    }

    /**
     * The heartbeats' summary of a classifier's prediction: the top-1 class and its score; nothing
     * counts as an anomaly.
     */
    public static PredictionSummary<TopK> summary() {
        return Summary.INSTANCE;
    }

    /** See {@link #summary()}. */
    enum Summary implements PredictionSummary<TopK> {
        INSTANCE;

        @Override
        public float score(TopK prediction) {
            return prediction.top1().score();
        }

        @Override
        public int topClass(TopK prediction) {
            return prediction.top1().index();
        }

        @Override
        public boolean anomalous(TopK prediction) {
            return false;
        }
    }

    /** The best class. */
    public Scored top1() {
        return classes.get(0);
    }

    /**
     * The top {@code k} of one output row {@code scores[offset .. offset + count)}.
     *
     * @param labels names of the columns
     */
    public static TopK of(float[] scores, int offset, int count, int k, ImageModelMetadata labels) {
        int n = Math.min(k, count);
        int[] best = new int[n];
        int filled = 0;
        // Insertion into a small sorted array: k is tiny, the row may be long.
        for (int j = 0; j < count; j++) {
            float s = scores[offset + j];
            int pos = filled;
            while (pos > 0 && scores[offset + best[pos - 1]] < s) {
                pos--;
            }
            if (pos >= n) {
                continue;
            }
            int last = Math.min(filled, n - 1);
            System.arraycopy(best, pos, best, pos + 1, last - pos);
            best[pos] = j;
            filled = Math.min(filled + 1, n);
        }
        Scored[] out = new Scored[n];
        for (int i = 0; i < n; i++) {
            out[i] = new Scored(labels.label(best[i]), best[i], scores[offset + best[i]]);
        }
        return new TopK(List.of(out));
    }
}

package dev.edgeinfer.operators.sensor;

import java.nio.FloatBuffer;

/**
 * Turns a window of sensor readings into the anomaly model's feature vector.
 *
 * <p>Per channel, {@value #FEATURES_PER_CHANNEL} features, in this order: mean, standard
 * deviation, min, max, slope (least-squares, per reading), largest absolute step between
 * consecutive readings, last minus first, and the fraction of steps that are (near) zero. They
 * are chosen so a linear model can see the three anomaly kinds the simulator injects: spikes
 * (large step), drift (slope, last-first) and flat-lines (std and zero-step fraction).
 *
 * <p>The model factory trains on exactly these features and the inference translator computes
 * them, so a model and its pre-processing cannot drift apart. Allocation-free: callers pass the
 * (reused, direct) buffer to write into.
 */
public final class SensorFeatures {

    /** Features computed for each channel. */
    public static final int FEATURES_PER_CHANNEL = 8;

    /** Steps smaller than this count as "no change" (flat-line detection). */
    static final float FLAT_EPSILON = 1e-4f;

    private SensorFeatures() {}

    /** Length of the feature vector for {@code channels} channels. */
    public static int featureCount(int channels) {
        return channels * FEATURES_PER_CHANNEL;
    }

    /** Computes the features of {@code window} into a new array. */
    public static float[] compute(SensorWindow window) {
        float[] out = new float[featureCount(window.channels())];
        FloatBuffer buffer = FloatBuffer.wrap(out);
        write(window.values(), window.channels(), buffer);
        return out;
    }

    /**
     * Writes the features of a row-major window ({@code values[i * channels + c]}) at the
     * buffer's position, advancing it by {@link #featureCount(int)}.
     */
    public static void write(float[] values, int channels, FloatBuffer out) {
        int n = values.length / channels;
        if (n < 2) {
            throw new IllegalArgumentException("a window needs at least 2 readings, got " + n);
        }
        double meanIndex = (n - 1) / 2.0;
        double indexVariance = 0;
        for (int i = 0; i < n; i++) {
            indexVariance += (i - meanIndex) * (i - meanIndex);
        }
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                float v = values[i * channels + c];
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double mean = sum / n;
            double squares = 0;
            double covariance = 0;
            float maxStep = 0;
            int flatSteps = 0;
            for (int i = 0; i < n; i++) {
                float v = values[i * channels + c];
                squares += (v - mean) * (v - mean);
                covariance += (i - meanIndex) * (v - mean);
                if (i > 0) {
                    float step = Math.abs(v - values[(i - 1) * channels + c]);
                    maxStep = Math.max(maxStep, step);
                    if (step < FLAT_EPSILON) {
                        flatSteps++;
                    }
                }
            }
            out.put((float) mean);
            out.put((float) Math.sqrt(squares / n));
            out.put(min);
            out.put(max);
            out.put((float) (covariance / indexVariance));
            out.put(maxStep);
            out.put(values[(n - 1) * channels + c] - values[c]);
            out.put((float) flatSteps / (n - 1));
        }
    }
}

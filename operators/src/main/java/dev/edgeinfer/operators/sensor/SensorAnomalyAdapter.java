package dev.edgeinfer.operators.sensor;

import dev.edgeinfer.operators.ModelAdapter;

import ai.djl.translate.Translator;

import java.util.List;

/**
 * {@link ModelAdapter} for the sensor anomaly model: windows of {@code windowSize} readings with
 * {@code channels} values each, scored by {@link SensorAnomalyTranslator}.
 */
public final class SensorAnomalyAdapter implements ModelAdapter<SensorWindow, Float> {

    private static final long serialVersionUID = 1L;

    private final int channels;
    private final int windowSize;

    public SensorAnomalyAdapter(int channels, int windowSize) {
        this.channels = channels;
        this.windowSize = windowSize;
        // Validate eagerly (at job build time, not on the task manager).
        new SensorAnomalyTranslator(channels, windowSize);
    }

    @Override
    public Translator<List<SensorWindow>, List<Float>> newTranslator() {
        return new SensorAnomalyTranslator(channels, windowSize);
    }

    @Override
    public List<SensorWindow> warmupBatch() {
        float[] values = new float[channels * windowSize];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        return List.of(new SensorWindow("warm-up", 0, 0, 0, 0, channels, values));
    }

    public int channels() {
        return channels;
    }

    public int windowSize() {
        return windowSize;
    }
}

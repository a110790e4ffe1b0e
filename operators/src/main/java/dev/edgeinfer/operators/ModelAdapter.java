package dev.edgeinfer.operators;

import ai.djl.translate.Translator;

import java.io.Serializable;
import java.util.List;

/**
 * The user's half of an inference operator: how records become tensors and tensors become
 * predictions (a DJL {@link Translator} over a batch), plus a sample batch for warm-up.
 *
 * <pre>{@code
 * ModelAdapter<SensorWindow, Float> adapter = new SensorAnomalyAdapter(4, 16);
 * }</pre>
 *
 * <p>Shipped to every subtask, so it must be serializable; {@link #newTranslator()} is called
 * once per loaded model (translators may hold reused buffers and need not be thread-safe).
 *
 * @param <IN> the record scored
 * @param <P> the prediction for one record
 */
public interface ModelAdapter<IN, P> extends Serializable {

    /** A fresh translator for one model runner. */
    Translator<List<IN>, List<P>> newTranslator();

    /** A small, valid batch used to warm a freshly loaded model up before it serves. */
    List<IN> warmupBatch();
}

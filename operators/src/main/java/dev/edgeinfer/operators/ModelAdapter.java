package dev.edgeinfer.operators;

import dev.edgeinfer.broadcast.release.ModelRelease;

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

    /**
     * A fresh translator for the model of {@code release}: what the versioned operator calls, so
     * a translator can read what the release says about its model (e.g. an image classifier's
     * normalisation and labels in {@link ModelRelease#metadata()}). Defaults to
     * {@link #newTranslator()}. Must not throw for bad metadata: a translator that is
     * {@link dev.edgeinfer.operators.runtime.SignatureAware} reports it from
     * {@code checkSignature}, so the release is rejected with a reason instead of failing the task.
     */
    default Translator<List<IN>, List<P>> newTranslator(ModelRelease release) {
        return newTranslator();
    }

    /** A small, valid batch used to warm a freshly loaded model up before it serves. */
    List<IN> warmupBatch();
}

package dev.edgeinfer.operators.model;

import dev.edgeinfer.broadcast.release.ModelSignature;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;

/**
 * One loaded, warmed-up model version that scores batches of records: what the versioned
 * inference operator calls for every micro-batch. {@link OnnxModelHandlerFactory} (ONNX Runtime
 * through DJL) is the built-in implementation; other engines plug in through a
 * {@link ModelHandlerFactory}.
 *
 * <pre>{@code
 * try (ModelHandler<SensorWindow, Float> handler = factory.load(release, file)) {
 *     List<Float> scores = handler.predict(List.of(window));
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The operator calls {@link #predict} from its task thread
 * only, so a handler need not be thread-safe; it is created on a background staging thread and
 * may be shared by several releases of the same bytes. {@link #close()} is called exactly once,
 * when no staged release uses it any more or the operator closes, and must free native memory.
 *
 * @param <IN> one record scored
 * @param <P> the prediction for one record
 */
@PublicEvolving
public interface ModelHandler<IN, P> extends AutoCloseable {

    /** The inputs and outputs the loaded model declares (checked against the release's claim). */
    ModelSignature signature();

    /**
     * Scores {@code records}, returning one prediction per record in input order.
     *
     * @throws RuntimeException if the engine fails; the operator fails over rather than drop records
     */
    List<P> predict(List<IN> records);

    /** Frees the model (native sessions, buffers); no exception: closing must not fail a task. */
    @Override
    void close();
}

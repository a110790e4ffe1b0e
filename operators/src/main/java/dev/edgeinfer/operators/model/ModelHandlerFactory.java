package dev.edgeinfer.operators.model;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.runtime.ModelLoadException;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Loads the model of a release into a {@link ModelHandler}: the seam between the versioned
 * inference operator (which fetches, verifies, stages and retires versions) and the engine that
 * runs them. The default is {@link OnnxModelHandlerFactory}.
 *
 * <pre>{@code
 * VersionedInference.<SensorWindow, Float, SensorResult>builder()
 *     .setModelHandlerFactory(new OnnxModelHandlerFactory<>(adapter, OnnxRunnerOptions.DEFAULTS))
 *     ...
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #load} runs on the operator's background staging
 * thread, never on the task thread, while the current version keeps serving. The file it gets
 * is already fetched and sha256-verified against the release, and stays in place for the call
 * only (the model cache may evict it afterwards): read it fully. It must return a handler that
 * is warmed up and ready to predict, or throw a {@link ModelLoadException} whose reason the
 * operator reports when it rejects the release; any other exception fails the task. The
 * operator checks the returned {@link ModelHandler#signature()} against the release's declared
 * signature itself. Shipped to every subtask, so it must be serializable.
 *
 * @param <IN> one record scored
 * @param <P> the prediction for one record
 */
@PublicEvolving
@FunctionalInterface
public interface ModelHandlerFactory<IN, P> extends Serializable {

    /** Loads and warms up the model of {@code release}, stored at {@code modelFile}. */
    ModelHandler<IN, P> load(ModelRelease release, Path modelFile) throws ModelLoadException;

    /**
     * Like {@link #load(ModelRelease, Path)}, within {@code budget}: the operator calls this one.
     * Override it to report the warm-up phase ({@link LoadBudget#enter}), to register how a
     * stuck call is stopped ({@link LoadBudget#onExpiry}) and to honour the memory limit; the
     * default counts the whole call as loading.
     */
    default ModelHandler<IN, P> load(ModelRelease release, Path modelFile, LoadBudget budget)
            throws ModelLoadException {
        budget.enter(LoadBudget.Phase.LOAD);
        return load(release, modelFile);
    }
}

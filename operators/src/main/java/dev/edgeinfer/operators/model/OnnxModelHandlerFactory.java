package dev.edgeinfer.operators.model;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.annotation.PublicEvolving;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The default {@link ModelHandlerFactory}: loads ONNX models into ONNX Runtime through DJL
 * ({@link OnnxModelRunner}), with a translator from the {@link ModelAdapter} built for each
 * release (so it can read the release's metadata) and the adapter's warm-up batch.
 *
 * <pre>{@code
 * ModelHandlerFactory<SensorWindow, Float> onnx =
 *     new OnnxModelHandlerFactory<>(new SensorAnomalyAdapter(4, 16), OnnxRunnerOptions.DEFAULTS);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Everything {@link OnnxModelRunner#load} checks (sha256,
 * graph inspection, the translator's signature check, warm-up) is reported as a
 * {@link ModelLoadException}; nothing stays open when loading fails.
 *
 * @param <IN> one record scored
 * @param <P> the prediction for one record
 */
@PublicEvolving
public final class OnnxModelHandlerFactory<IN, P> implements ModelHandlerFactory<IN, P> {

    private static final long serialVersionUID = 1L;

    private final ModelAdapter<IN, P> adapter;
    private final OnnxRunnerOptions options;

    public OnnxModelHandlerFactory(ModelAdapter<IN, P> adapter, OnnxRunnerOptions options) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public ModelHandler<IN, P> load(ModelRelease release, Path modelFile) throws ModelLoadException {
        return load(release, modelFile, new LoadBudget(StagingLimits.DEFAULTS));
    }

    /** Loads within {@code budget}: memory limit checked first, warm-up terminable. */
    @Override
    public ModelHandler<IN, P> load(ModelRelease release, Path modelFile, LoadBudget budget)
            throws ModelLoadException {
        return OnnxModelRunner.load(release.modelId(), modelFile, adapter.newTranslator(release), options,
                adapter.warmupBatch(), budget);
    }
}

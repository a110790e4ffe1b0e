package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.LoadBudget;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.model.StagingLimits;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.onnxruntime.OrtException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one ONNX model version through DJL's ONNX Runtime engine (the {@link ModelHandler} that
 * {@code OnnxModelHandlerFactory} loads): load (after verifying the
 * file's sha256 against the {@link ModelId}), check the signature, warm up, predict, close.
 *
 * <pre>{@code
 * try (OnnxModelRunner<SensorWindow, Float> runner = OnnxModelRunner.load(
 *         id, file, new SensorAnomalyTranslator(4, 16), OnnxRunnerOptions.DEFAULTS, List.of(sample))) {
 *     List<Float> scores = runner.predict(List.of(window));
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A runner is not thread-safe (neither is DJL's
 * {@link Predictor}): create one per Flink subtask in {@code open()} and close it in
 * {@code close()}. Closing frees the native ONNX Runtime session. {@link #openRunners()} counts
 * runners loaded and not yet closed in this JVM, so tests can prove nothing leaks. DJL telemetry
 * and downloads are switched off before DJL is first touched: an edge job opens no connection
 * nobody configured.
 *
 * @param <I> one input record (e.g. a sensor window); the runner predicts batches of them
 * @param <O> the prediction for one record, in input order
 */
public final class OnnxModelRunner<I, O> implements ModelHandler<I, O> {

    static {
        // Must happen before any DJL class initialises: DJL's telemetry otherwise tries
        // 169.254.169.254 on first model load, and DJL may try to download engine files.
        OnnxRuntimeSetup.disableNetworkAccess();
    }

    private static final AtomicInteger OPEN_RUNNERS = new AtomicInteger();

    private final ModelId id;
    private final ZooModel<List<I>, List<O>> model;
    private final Predictor<List<I>, List<O>> predictor;
    private final ModelSignature signature;
    private boolean closed;

    private OnnxModelRunner(ModelId id, ZooModel<List<I>, List<O>> model, ModelSignature signature) {
        this.id = id;
        this.model = model;
        this.predictor = model.newPredictor();
        this.signature = signature;
    }

    /**
     * Loads {@code file} as model {@code id}: verifies the sha256, loads it into an ONNX Runtime
     * session, checks the signature against the translator (when it is {@link SignatureAware})
     * and runs {@code options.warmupRuns()} predictions on {@code warmupInput} (if not null).
     * The translator turns a batch of records into one tensor batch and back.
     *
     * @throws ModelLoadException with a diagnosis when any step fails; nothing stays open then
     */
    public static <I, O> OnnxModelRunner<I, O> load(
            ModelId id,
            Path file,
            Translator<List<I>, List<O>> translator,
            OnnxRunnerOptions options,
            List<I> warmupInput)
            throws ModelLoadException {
        return load(id, file, translator, options, warmupInput, new LoadBudget(StagingLimits.DEFAULTS));
    }

    /**
     * Like {@link #load(ModelId, Path, Translator, OnnxRunnerOptions, List)}, within {@code
     * budget}: phases reported, no tensor of the graph over the warm-up memory limit
     * ({@code RESOURCE_LIMIT}, checked before anything runs), and a first warm-up run on zeros
     * that the budget's watchdog can terminate ({@code WARMUP_TIMEOUT}).
     */
    public static <I, O> OnnxModelRunner<I, O> load(
            ModelId id,
            Path file,
            Translator<List<I>, List<O>> translator,
            OnnxRunnerOptions options,
            List<I> warmupInput,
            LoadBudget budget)
            throws ModelLoadException {
        budget.enter(LoadBudget.Phase.LOAD);
        verifyBytes(id, file);
        long batch = warmupInput == null || warmupInput.isEmpty() ? 1 : warmupInput.size();
        inspect(id, file, batch, budget.limits().warmupMaxTensorBytes());
        OnnxSessions.Opened<I, O> opened =
                OnnxSessions.open(id, file, stripExtension(file.getFileName().toString()), translator, options);
        ZooModel<List<I>, List<O>> model = opened.model();
        OnnxModelRunner<I, O> runner = null;
        try {
            ModelSignature signature = OnnxSignatures.read(file);
            if (translator instanceof SignatureAware aware) {
                String mismatch = aware.checkSignature(signature);
                if (mismatch != null) {
                    throw new ModelLoadException(
                            id, file, ModelLoadException.Reason.SIGNATURE_MISMATCH,
                            "signature " + signature + " does not fit: " + mismatch);
                }
            }
            runner = new OnnxModelRunner<>(id, model, signature);
            OPEN_RUNNERS.incrementAndGet();
            budget.enter(LoadBudget.Phase.WARMUP);
            OnnxSessions.probe(id, file, opened.session(), batch, budget);
            if (warmupInput != null) {
                for (int i = 0; i < options.warmupRuns(); i++) {
                    runner.predict(warmupInput);
                }
            }
            return runner;
        } catch (ModelLoadException e) {
            if (runner != null) {
                runner.close();
            } else {
                model.close();
            }
            throw e;
        } catch (OrtException e) {
            model.close();
            throw new ModelLoadException(id, file, ModelLoadException.Reason.LOAD_FAILED, "could not read its signature: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (runner != null) {
                runner.close();
            } else {
                model.close();
            }
            throw new ModelLoadException(id, file, ModelLoadException.Reason.WARMUP_FAILED, "warm-up failed: " + e.getMessage(), e);
        }
    }

    private static void inspect(ModelId id, Path file, long batch, long maxTensorBytes) throws ModelLoadException {
        Optional<OnnxModelInspector.Finding> finding;
        try {
            finding = OnnxModelInspector.inspect(file, batch, maxTensorBytes);
        } catch (IOException e) {
            throw new ModelLoadException(id, file, ModelLoadException.Reason.FETCH_FAILED, "could not read it: " + e.getMessage(), e);
        }
        if (finding.isPresent()) {
            throw new ModelLoadException(id, file, finding.get().reason(), finding.get().diagnosis());
        }
    }

    private static void verifyBytes(ModelId id, Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(id, file, ModelLoadException.Reason.FETCH_FAILED, "no such file");
        }
        String actual;
        try {
            actual = Sha256.of(file);
        } catch (IOException e) {
            throw new ModelLoadException(id, file, ModelLoadException.Reason.FETCH_FAILED, "could not read it: " + e.getMessage(), e);
        }
        if (!actual.equals(id.sha256())) {
            throw new ModelLoadException(
                    id, file, ModelLoadException.Reason.CHECKSUM_MISMATCH, "sha256 mismatch: expected " + id.sha256() + " but the file has " + actual);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<List<T>> listClass() {
        return (Class<List<T>>) (Class<?>) List.class;
    }

    private static String stripExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /**
     * Runs the model on {@code input}.
     *
     * @throws InferenceException if ONNX Runtime fails; the caller should fail over, not drop
     */
    @Override
    public List<O> predict(List<I> input) {
        if (closed) {
            throw new IllegalStateException("runner for " + id + " is closed");
        }
        try {
            return predictor.predict(input);
        } catch (TranslateException e) {
            throw new InferenceException(id, input.size(), e);
        }
    }

    /** The model this runner serves. */
    public ModelId modelId() {
        return id;
    }

    /** The inputs and outputs the loaded graph declares. */
    @Override
    public ModelSignature signature() {
        return signature;
    }

    /** Runners loaded and not yet closed in this JVM (for leak checks). */
    public static int openRunners() {
        return OPEN_RUNNERS.get();
    }

    /**
     * ONNX Runtime sessions opened and not yet closed in this JVM, including those of loads that
     * failed before a runner existed (for leak checks).
     */
    public static int openSessions() {
        return OnnxSessions.openSessions();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            predictor.close();
        } finally {
            model.close();
            OPEN_RUNNERS.decrementAndGet();
        }
    }
}

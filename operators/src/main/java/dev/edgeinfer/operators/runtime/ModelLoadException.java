package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.EdgeInferException;
import dev.edgeinfer.broadcast.release.ModelId;

import java.nio.file.Path;

/**
 * A model could not be loaded or does not fit the job: wrong bytes, not ONNX, wrong signature.
 * Known-fatal for this model version; the message says what is wrong, {@link #reason()} says it
 * in a machine-readable way, and the model and file travel with it.
 *
 * <pre>{@code
 * try {
 *     runner = OnnxModelRunner.load(release.modelId(), file, translator, options, warmup);
 * } catch (ModelLoadException e) {
 *     report(release, e.reason().name(), e.getMessage());   // e.g. SIGNATURE_MISMATCH
 * }
 * }</pre>
 */
public class ModelLoadException extends EdgeInferException {

    private static final long serialVersionUID = 1L;

    /** Why a model was rejected (written as the reason on the status topic). */
    public enum Reason {
        /** The bytes could not be fetched. */
        FETCH_FAILED,
        /** The bytes do not hash to the sha256 the release names. */
        CHECKSUM_MISMATCH,
        /** The bytes are not an ONNX model at all. */
        NOT_ONNX,
        /** The model refers to external data files; released models must be self-contained. */
        EXTERNAL_DATA,
        /** ONNX Runtime cannot load the model (truncated, unsupported operators, ...). */
        LOAD_FAILED,
        /** Inputs/outputs differ from the declared signature or from what the job feeds. */
        SIGNATURE_MISMATCH,
        /** The model loaded but failed on the warm-up batch (e.g. wrong output shape). */
        WARMUP_FAILED,
        /** Fetching and verifying the bytes took longer than the fetch time limit. */
        FETCH_TIMEOUT,
        /** Loading the session took longer than the load time limit. */
        LOAD_TIMEOUT,
        /** The warm-up took longer than its time limit (it was terminated). */
        WARMUP_TIMEOUT,
        /** Running the model would need more memory than the warm-up memory limit. */
        RESOURCE_LIMIT,
        /** No variant of the release runs on this hardware (CPU flags, execution provider). */
        UNSUPPORTED_HARDWARE,
        /** No variant this hardware runs has a p99 batch latency within the job's latency budget. */
        LATENCY_BUDGET
    }

    private final ModelId model;
    private final Path file;

    public ModelLoadException(ModelId model, Path file, Reason reason, String diagnosis) {
        this(model, file, reason, diagnosis, null);
    }

    public ModelLoadException(ModelId model, Path file, Reason reason, String diagnosis, Throwable cause) {
        super(reason, "model " + model + " from " + file + ": " + diagnosis, cause);
        this.model = model;
        this.file = file;
    }

    public ModelId model() {
        return model;
    }

    public Path file() {
        return file;
    }

    @Override
    public Reason reason() {
        return (Reason) super.reason();
    }
}

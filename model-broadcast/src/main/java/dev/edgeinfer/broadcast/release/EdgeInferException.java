package dev.edgeinfer.broadcast.release;

import java.util.Objects;

/**
 * A checked, expected failure about one model release (it cannot be fetched, verified or loaded):
 * a verdict to report, not a bug. Each subclass has its own {@code Reason} enum, whose stable
 * names are what the status topic publishes; the message names the offending value.
 *
 * <pre>{@code
 * try {
 *     stage(release);   // fetch, verify, load
 * } catch (EdgeInferException e) {
 *     report(release, ModelStatus.State.REJECTED, e.reason().name(), e.getMessage());
 * }
 * }</pre>
 *
 * <p>Releases that are invalid in themselves are {@link InvalidReleaseException}s instead,
 * unchecked because building one in code with bad values is a programming error.
 */
public abstract class EdgeInferException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Enum<?> reason;

    protected EdgeInferException(Enum<?> reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The machine-readable reason; subclasses narrow it to their own {@code Reason}. */
    public Enum<?> reason() {
        return reason;
    }
}

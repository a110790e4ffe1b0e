package dev.edgeinfer.optimize;

/**
 * A model could not be optimised as asked: an unsupported graph, a bad input file, an option out of
 * range. The message names the offending value.
 *
 * <pre>{@code
 * throw new OptimizationException("prune ratio must be in [0, 1), got " + ratio);
 * }</pre>
 */
public class OptimizationException extends RuntimeException {

    public OptimizationException(String message) {
        super(message);
    }

    public OptimizationException(String message, Throwable cause) {
        super(message, cause);
    }
}

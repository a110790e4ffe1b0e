package dev.edgeinfer.jobs.kafka;

/**
 * A machine-readable reason for a dead letter: its {@link #name()} goes into the
 * {@code edgeinfer.reason} header. Implemented by each job's reason enum ({@code SensorRejectReason}
 * for readings, {@code FrameRejectReason} for frames).
 */
public interface DeadLetterReason {
    /** The header value, e.g. {@code MALFORMED_JSON}. */
    String name();
}

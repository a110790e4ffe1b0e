package dev.edgeinfer.operators;

/**
 * What a job does when a signed deprecation advisory marks a version it serves as bad
 * ({@code dev.edgeinfer.broadcast.release.DeprecationAdvisory}).
 *
 * <pre>{@code
 * VersionedInference.builder()...setDeprecationPolicy(DeprecationPolicy.ROLLBACK)
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> With either policy every subtask reports {@code DEPRECATED} on
 * the status topic. With {@link #ROLLBACK} the version's activations no longer count for event
 * times from the advisory's {@code effectiveAt} on (or, on a subtask that already scored records
 * past it, from just after them, as for a late activation), so those records get the version the
 * rest of the timeline assigns: the previous good one. Where no other release covers an event
 * time, the deprecated version keeps serving rather than leave records waiting.
 */
public enum DeprecationPolicy {
    /** Report only: the version keeps serving (the census flags the site). */
    FLAG,
    /** Report and roll back to the previous good version from the advisory's event time on. */
    ROLLBACK
}

package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.release.EdgeInferException;

/**
 * The bytes of a release could not be obtained (or, from {@link ModelStore}, did not verify), with
 * a machine-readable {@link Reason}, the URI and whether a retry may help.
 *
 * <pre>{@code
 * try {
 *     Path model = store.materialize(release, fetcher);
 * } catch (ModelFetchException e) {
 *     if (e.retriable()) retryLater(); else reject(release, e.reason().name());
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #reason()} names are stable (safe to match on and to
 * report on the status topic). {@link #retriable()} defaults to the reason's
 * {@link Reason#retriableByDefault()} — transient conditions (a volume not mounted yet, a blob
 * still being uploaded, a server error, a timeout) are retriable; a decision about the release
 * itself (unknown scheme, outside the models root, too large, checksum mismatch) is not, because
 * retrying cannot change it. Callers should still cap retries.
 */
public class ModelFetchException extends EdgeInferException {

    private static final long serialVersionUID = 2L;

    /** Why a fetch failed. */
    public enum Reason {
        /** No fetcher for the URI's scheme. */
        UNKNOWN_SCHEME(false),
        /** The URI is malformed or unusable for its scheme (e.g. {@code file://host/...}, a blob URI naming another sha256). */
        INVALID_URI(false),
        /** A {@code file:} URI resolves (lexically or through symlinks) outside the configured models root. */
        OUTSIDE_MODELS_ROOT(false),
        /** Nothing at the URI yet (missing file, HTTP 404/410, no chunks of the blob); it may still appear. */
        NOT_FOUND(true),
        /** The file exists but cannot be read. */
        NOT_READABLE(false),
        /** More bytes than allowed (the store's limit or the release's {@code sizeBytes}). */
        TOO_LARGE(false),
        /** Fewer bytes than the release declares, or a chunk shorter than its header says. */
        TRUNCATED(true),
        /** A chunk of a Kafka blob is absent (possibly still being uploaded). */
        MISSING_CHUNK(true),
        /** The blob's chunks disagree with each other (e.g. a chunk number beyond the declared count). */
        INCONSISTENT_CHUNKS(false),
        /** The bytes' size differs from the release's {@code sizeBytes}. */
        SIZE_MISMATCH(false),
        /** The bytes' sha256 differs from the release's. */
        CHECKSUM_MISMATCH(false),
        /** An unsuccessful HTTP status other than 404/410 (5xx, 408 and 429 are retriable; other 4xx are not). */
        HTTP_STATUS(false),
        /** An http(s) URI names a host not in the fetcher's allowed hosts (none allowed when unset). */
        HOST_NOT_ALLOWED(false),
        /** Connect, request or transfer deadline passed. */
        TIMEOUT(true),
        /** Any other I/O failure (network, disk). */
        IO_ERROR(true);

        private final boolean retriable;

        Reason(boolean retriable) {
            this.retriable = retriable;
        }

        public boolean retriableByDefault() {
            return retriable;
        }
    }

    private final String uri;
    private final boolean retriable;

    /** With the reason's default retriability. */
    public ModelFetchException(Reason reason, String uri, String problem, Throwable cause) {
        this(reason, uri, problem, reason.retriableByDefault(), cause);
    }

    public ModelFetchException(Reason reason, String uri, String problem, boolean retriable, Throwable cause) {
        super(reason, "cannot fetch " + uri + ": " + problem + " [" + reason + "]", cause);
        this.uri = uri;
        this.retriable = retriable;
    }

    /**
     * Pre-reason constructor, kept for existing fetchers: reason {@link Reason#IO_ERROR}. Prefer
     * the constructors with a reason.
     */
    public ModelFetchException(String uri, String problem, boolean retriable, Throwable cause) {
        this(Reason.IO_ERROR, uri, problem, retriable, cause);
    }

    @Override
    public Reason reason() {
        return (Reason) super.reason();
    }

    public String uri() {
        return uri;
    }

    public boolean retriable() {
        return retriable;
    }
}

package dev.edgeinfer.broadcast.signing;

import dev.edgeinfer.broadcast.release.EdgeInferException;
import dev.edgeinfer.broadcast.release.ModelRelease;

/**
 * A release failed signature verification, with a machine-readable {@link Reason}.
 *
 * <pre>{@code
 * try {
 *     ReleaseSigning.verify(release, trustedKeys);
 * } catch (ReleaseSignatureException e) {
 *     report(release, e.reason().name(), e.getMessage());   // e.g. REJECTED / BAD_SIGNATURE
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Checked, because a bad signature on a release read from the
 * control topic is an expected, reportable outcome (reject the release, keep serving), not a bug.
 * The reason names are stable: safe to match on and to publish on the status topic.
 */
public class ReleaseSignatureException extends EdgeInferException {

    private static final long serialVersionUID = 1L;

    /** Why verification failed. */
    public enum Reason {
        /** The release carries no signature, but trusted keys are configured. */
        UNSIGNED,
        /** The release names a key id that is not among the trusted keys. */
        UNKNOWN_KEY,
        /** The key is trusted, but the signature does not match the release's canonical bytes. */
        BAD_SIGNATURE
    }

    private final String releaseId;
    private final String keyId;

    public ReleaseSignatureException(Reason reason, String releaseId, String keyId, String message) {
        super(reason, message, null);
        this.releaseId = releaseId;
        this.keyId = keyId;
    }

    @Override
    public Reason reason() {
        return (Reason) super.reason();
    }

    /** The release's {@link ModelRelease#releaseId()}. */
    public String releaseId() {
        return releaseId;
    }

    /** The key id the release claims to be signed by, or {@code null} when unsigned. */
    public String keyId() {
        return keyId;
    }
}

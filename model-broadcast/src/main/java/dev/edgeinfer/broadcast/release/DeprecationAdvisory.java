package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;

import java.io.Serializable;

/**
 * "Version {@code version} (bytes {@code sha256}) of model {@code model} is bad": an immutable,
 * signed advisory on the control topic. Every subtask still serving that version reports it
 * ({@code DEPRECATED} on the status topic); with the policy {@code rollback} (job option
 * {@code model.deprecation-policy}) records with event time from {@code effectiveAt} on are scored
 * as if the version's activations were gone, i.e. by the previous good version.
 *
 * <pre>{@code
 * DeprecationAdvisory bad = new DeprecationAdvisory("sensor-anomaly", "v3", v3.sha256(),
 *         "NaN scores on flat-lined sensors", now + 10_000, "alice@ml-team", now, null, null);
 * producer.send(new ProducerRecord<>("edge.models.control", bad.advisoryId(), DeprecationJson.toJson(
 *         ReleaseSigning.sign(bad, keys))));
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Validated on construction like a release (labels without
 * {@code '@'} or whitespace, a 64-hex sha256, {@code effectiveAt >= 0}, a reason of 1..1000
 * characters); construction errors are {@link InvalidReleaseException}s naming the field. The
 * rollback time is {@code effectiveAt}, a field of the advisory, never a wall clock, so every
 * subtask and every replay agrees on it (a subtask that already scored records past it applies it
 * from just after them and reports the boundary it used, as for a late activation). An advisory
 * cannot be withdrawn: publish a new release of the version to serve it again (it is a new
 * activation, judged by the same advisory: publish the bytes under a new version instead).
 * Signed over {@link ReleaseSigning#canonicalBytes(DeprecationAdvisory)}.
 *
 * @param model the model's name
 * @param version the bad version
 * @param sha256 the bad bytes (a version is an immutable id: version and sha256 together)
 * @param reason why, for humans (and the census)
 * @param effectiveAt event time (epoch ms) from which a rollback policy stops using the version
 * @param publisher who published the advisory
 * @param publishedAt wall-clock epoch ms of publication (audit only)
 * @param signedBy the signing key's id, or {@code null} when unsigned
 * @param signatureBase64 the Ed25519 signature, or {@code null} when unsigned
 */
public record DeprecationAdvisory(
        String model,
        String version,
        String sha256,
        String reason,
        long effectiveAt,
        String publisher,
        long publishedAt,
        String signedBy,
        String signatureBase64)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Longest reason, in characters. */
    public static final int MAX_REASON_CHARS = 1000;

    public DeprecationAdvisory {
        ReleaseChecks.requireLabel("model", model);
        ReleaseChecks.requireLabel("version", version);
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw InvalidReleaseException.invalid("sha256", sha256, "must be 64 lower-case hex characters");
        }
        if (reason == null || reason.isBlank() || reason.length() > MAX_REASON_CHARS) {
            throw InvalidReleaseException.invalid("reason", reason, "must be 1.." + MAX_REASON_CHARS + " characters");
        }
        if (effectiveAt < 0) {
            throw InvalidReleaseException.invalid("effectiveAt", effectiveAt, "must be an epoch-ms event time >= 0");
        }
        if (publisher == null || publisher.isBlank()) {
            throw InvalidReleaseException.invalid("publisher", publisher, "must not be blank");
        }
        if (publishedAt < 0) {
            throw InvalidReleaseException.invalid("publishedAt", publishedAt, "must be epoch ms >= 0");
        }
        ReleaseChecks.checkSigning(signedBy, signatureBase64);
    }

    /** The control-topic key: {@code model@deprecated@version@sha256[0..12]}. */
    public String advisoryId() {
        return model + "@deprecated@" + version + "@" + sha256.substring(0, 12);
    }

    /** Whether {@code release} is an activation of the version this advisory marks bad. */
    public boolean covers(ModelRelease release) {
        return release.model().equals(model) && release.version().equals(version) && release.sha256().equals(sha256);
    }

    public boolean isSigned() {
        return signedBy != null;
    }

    /** This advisory with the given signature (replacing any). */
    public DeprecationAdvisory withSignature(String keyId, String signature) {
        return new DeprecationAdvisory(model, version, sha256, reason, effectiveAt, publisher, publishedAt, keyId,
                signature);
    }
}

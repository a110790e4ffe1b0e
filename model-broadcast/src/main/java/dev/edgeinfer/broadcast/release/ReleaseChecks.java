package dev.edgeinfer.broadcast.release;

import org.apache.flink.annotation.Internal;

import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The field checks of {@link ModelRelease}'s constructor that need more than a line. */
@Internal
final class ReleaseChecks {

    /** No '@' (the releaseId separator), no whitespace or control characters (ids end up in keys, metrics, paths). */
    private static final Pattern LABEL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,200}");
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    /** Ed25519 signatures are always 64 bytes (RFC 8032). */
    private static final int ED25519_SIGNATURE_BYTES = 64;
    private static final Pattern METADATA_KEY = Pattern.compile("[^\\s\\p{Cntrl}]{1,200}");

    private ReleaseChecks() {}

    static Map<String, String> checkMetadata(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Collections.emptySortedMap();
        }
        if (metadata.size() > ModelRelease.MAX_METADATA_ENTRIES) {
            throw InvalidReleaseException.invalid("metadata", metadata.size() + " entries",
                    "must have at most " + ModelRelease.MAX_METADATA_ENTRIES + " entries");
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key == null || !METADATA_KEY.matcher(key).matches()) {
                throw InvalidReleaseException.invalid("metadata", key,
                        "keys must be 1..200 characters without whitespace or control characters");
            }
            if (e.getValue() == null) {
                throw InvalidReleaseException.missing("metadata." + key);
            }
            if (e.getValue().length() > ModelRelease.MAX_METADATA_VALUE_CHARS) {
                throw InvalidReleaseException.invalid("metadata." + key, e.getValue().length() + " characters",
                        "must be at most " + ModelRelease.MAX_METADATA_VALUE_CHARS + " characters");
            }
            sorted.put(key, e.getValue());
        }
        return Collections.unmodifiableSortedMap(sorted);
    }

    static void checkSigning(String signedBy, String signatureBase64) {
        if (signedBy == null && signatureBase64 == null) {
            return;
        }
        if (signedBy == null) {
            throw InvalidReleaseException.missing("signing.keyId");
        }
        if (signatureBase64 == null) {
            throw InvalidReleaseException.missing("signing.signature");
        }
        if (!KEY_ID.matcher(signedBy).matches()) {
            throw InvalidReleaseException.invalid("signing.keyId", signedBy, "must be 16 lower-case hex characters");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(signatureBase64);
        } catch (IllegalArgumentException e) {
            throw new InvalidReleaseException(InvalidReleaseException.Reason.INVALID_FIELD, "signing.signature",
                    signatureBase64, "signing.signature is not standard base64: " + e.getMessage(), e);
        }
        // Exactly one spelling per signature, so equals() and the timeline's tie-break cannot be
        // fooled by re-encodings (missing padding, line breaks) of the same bytes.
        if (raw.length != ED25519_SIGNATURE_BYTES || !Base64.getEncoder().encodeToString(raw).equals(signatureBase64)) {
            throw InvalidReleaseException.invalid("signing.signature", signatureBase64,
                    "must be the padded standard base64 of a 64-byte Ed25519 signature");
        }
    }

    static void requireLabel(String field, String value) {
        if (value == null) {
            throw InvalidReleaseException.missing(field);
        }
        if (!LABEL.matcher(value).matches()) {
            throw InvalidReleaseException.invalid(
                    field, value, "must be 1..200 characters without '@', whitespace or control characters");
        }
    }
}

package dev.edgeinfer.broadcast.release;

import org.apache.flink.annotation.Internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
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

    static void requireSha256(String field, String sha256) {
        if (sha256 == null) {
            throw InvalidReleaseException.missing(field);
        }
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw InvalidReleaseException.invalid(field, sha256, "must be 64 lower-case hex characters");
        }
    }

    static void requireAbsoluteUri(String field, String uri) {
        if (uri == null) {
            throw InvalidReleaseException.missing(field);
        }
        try {
            if (!new URI(uri).isAbsolute()) {
                throw InvalidReleaseException.invalid(field, uri, "must be an absolute URI with a scheme (file:, https:, kafka:...)");
            }
        } catch (URISyntaxException e) {
            throw new InvalidReleaseException(InvalidReleaseException.Reason.INVALID_FIELD, field, uri,
                    field + " is not a valid URI, got '" + uri + "': " + e.getMessage(), e);
        }
    }

    /**
     * Variants: none, or 1..{@value ModelVariant#MAX_VARIANTS} with distinct kinds and sha256s, one
     * of them the release's own file (same sha256, URI and size): the reference that readers
     * unaware of variants serve.
     */
    static List<ModelVariant> checkVariants(List<ModelVariant> variants, String sha256, String uri, long sizeBytes) {
        if (variants == null || variants.isEmpty()) {
            return List.of();
        }
        if (variants.size() > ModelVariant.MAX_VARIANTS) {
            throw InvalidReleaseException.invalid("variants", variants.size() + " variants",
                    "must have at most " + ModelVariant.MAX_VARIANTS + " variants");
        }
        Set<String> kinds = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        boolean reference = false;
        for (ModelVariant v : new ArrayList<>(variants)) {
            if (v == null) {
                throw InvalidReleaseException.missing("variants[]");
            }
            if (!kinds.add(v.kind())) {
                throw InvalidReleaseException.invalid("variants.kind", v.kind(), "kinds must be distinct");
            }
            if (!hashes.add(v.sha256())) {
                throw InvalidReleaseException.invalid("variants.sha256", v.sha256(), "variants must have distinct bytes");
            }
            reference |= v.sha256().equals(sha256) && v.uri().equals(uri) && v.sizeBytes() == sizeBytes;
        }
        if (!reference) {
            throw InvalidReleaseException.invalid("variants", sha256,
                    "one variant must be the release's own file (its sha256, uri and sizeBytes): the reference");
        }
        return List.copyOf(variants);
    }
}

package dev.edgeinfer.broadcast.signing;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signing and verification of releases, with the JDK's own provider (no extra libraries).
 *
 * <pre>{@code
 * // once, by the model owner
 * KeyPair keys = ReleaseSigning.generateKeyPair();
 * ReleaseSigning.writePrivateKey(Path.of("release-signing.key"), keys.getPrivate());
 * ReleaseSigning.writePublicKey(Path.of("trusted-keys/ml-team.pub"), keys.getPublic());
 *
 * // per release
 * ModelRelease signed = ReleaseSigning.sign(release, privateKey, ReleaseSigning.keyId(publicKey));
 *
 * // on every subtask
 * ReleaseSigning.verify(signed, TrustedKeys.fromDirectory(Path.of("/etc/edgeinfer/trusted-keys")));
 * }</pre>
 *
 * <p><b>What is signed.</b> Not the JSON bytes (whose layout Jackson may change, and which readers
 * re-format), but {@link #canonicalBytes(ModelRelease)}, an explicit binary form of every release
 * field:
 *
 * <pre>
 * "edgeinfer-release-v1\n"                       (21 ASCII bytes, the format version)
 * str(model) str(version) str(sha256) str(uri) i64(sizeBytes)
 * tensors(inputs) tensors(outputs)
 * i64(activateAt) i32(canaryPercent) str(publisher) i64(publishedAt)
 *
 * str(s)      = u32 byte length, then the UTF-8 bytes of s (strict: unpaired surrogates are refused)
 * tensors(ts) = u32 count, then per tensor: str(name) u32(rank) rank x i64(dim)
 * i32/u32/i64 = big-endian two's complement
 * </pre>
 *
 * A release with {@code metadata} is signed in the v2 form: the same bytes with the prefix
 * {@code "edgeinfer-release-v2\n"}, followed by the metadata sorted by key:
 *
 * <pre>
 * u32(count), then per entry: str(key) str(value)
 * </pre>
 *
 * A release with {@code variants} or {@code targets} (or both) is signed in the v3 form: the
 * prefix {@code "edgeinfer-release-v3\n"}, the v1 fields, the metadata as in v2 (a count of 0 when
 * it has none), then every variant in order, then the targets (each list sorted), every list
 * written with its count even when empty:
 *
 * <pre>
 * u32(count), then per variant: str(kind) str(sha256) str(uri) i64(sizeBytes)
 *   u32(flag count) str(flag)... str(executionProvider) i64(IEEE-754 bits of fidelity)
 * u32(count) str(site)...   u32(count) str(label "key=value")...
 * </pre>
 *
 * so the signature covers every variant's bytes (through its sha256), source and claims, and the
 * sites the release applies to: one tampered variant or target makes the whole release fail
 * verification. A release with neither keeps its v1 or v2 form byte for byte.
 *
 * A shadow activation ({@link ModelRelease#shadow()}) is signed in the v4 form: the prefix
 * {@code "edgeinfer-release-v4\n"}, the whole v3 body (every count written, as in v3), then the
 * activation's role {@code str("shadow")}. The flag is signed, so nobody can turn a shadow into
 * a serving activation (or back) without the key; a release that is not a shadow keeps its v1,
 * v2 or v3 form byte for byte, so every signature made before shadows existed still verifies.
 *
 * A release without metadata keeps the v1 form byte for byte, so every signature made before
 * metadata existed still verifies, and no v1 message can be read as a v2 one (the prefixes differ).
 * Every element is fixed-width or length-prefixed, so the bytes parse back in exactly one way:
 * no two different releases share a canonical form (e.g. model {@code "ab"} + version {@code "c"}
 * differs from {@code "a"} + {@code "bc"}), and changing any field — or any byte of the signed
 * message — makes verification fail. {@code activateAtIso} (derived) and the signature itself
 * ({@code signedBy}, {@code signatureBase64}) are not covered. A future field that must be signed
 * needs a new prefix ({@code edgeinfer-release-v2}), never a silent change of v1.
 *
 * <p><b>Guarantees and caveats.</b> A verified release was signed by the holder of a trusted
 * private key exactly as it is (every field); it says nothing about whether the model bytes are
 * good — that is the sha256 check, which the signature makes trustworthy by covering
 * {@code sha256}. Signatures do not expire and there is no revocation list: remove a compromised
 * key from every site's trusted keys. Ed25519 signing is deterministic (same key and release, same
 * signature). Key files: {@code write*} refuse to overwrite an existing file; private keys get
 * owner-only permissions where the file system supports POSIX permissions.
 */
public final class ReleaseSigning {

    /** The version prefix of the canonical form; part of every signed message. */
    public static final String CANONICAL_PREFIX = "edgeinfer-release-v1\n";
    /** The prefix of the canonical form of releases that carry metadata. */
    public static final String CANONICAL_PREFIX_V2 = "edgeinfer-release-v2\n";
    /** The prefix of the canonical form of releases that carry variants or targets (or both). */
    public static final String CANONICAL_PREFIX_V3 = "edgeinfer-release-v3\n";
    /** The prefix of the canonical form of shadow activations: the v3 body, then {@code str(}{@value #SHADOW_ROLE}{@code )}. */
    public static final String CANONICAL_PREFIX_V4 = "edgeinfer-release-v4\n";
    /** The role written at the end of the v4 canonical form. */
    public static final String SHADOW_ROLE = "shadow";
    /** The prefix of the canonical form of a {@link DeprecationAdvisory}: str(model) str(version) str(sha256) str(reason) i64(effectiveAt) str(publisher) i64(publishedAt). */
    public static final String DEPRECATION_PREFIX = "edgeinfer-deprecation-v1\n";
    /** JCA name of the only supported algorithm. */
    public static final String ALGORITHM = "Ed25519";

    private static final String PEM_PUBLIC = "PUBLIC KEY";
    private static final String PEM_PRIVATE = "PRIVATE KEY";

    private ReleaseSigning() {}

    /** A fresh Ed25519 key pair from the JDK's default secure random source. */
    public static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15+ always has)", e);
        }
    }

    /** First 16 lower-case hex characters of sha256 over the key's X.509 encoding. */
    public static String keyId(PublicKey key) {
        requireEd25519(key);
        return Sha256.of(key.getEncoded()).substring(0, 16);
    }

    /** The canonical bytes the signature covers; see the class comment for the exact layout. */
    public static byte[] canonicalBytes(ModelRelease r) {
        return CanonicalForm.of(r);
    }

    /**
     * The release signed with {@code key} (any previous signature is replaced).
     *
     * @param keyId the id of the matching public key, {@link #keyId(PublicKey)}; verifiers look the key up by it
     * @throws IllegalArgumentException if the key is not an Ed25519 private key or the release has
     *     a field that is not valid Unicode
     */
    public static ModelRelease sign(ModelRelease release, PrivateKey key, String keyId) {
        return release.withSignature(keyId, signature(canonicalBytes(release), key));
    }

    /** The release signed with the pair's private key, under the pair's key id. */
    public static ModelRelease sign(ModelRelease release, KeyPair pair) {
        return sign(release, pair.getPrivate(), keyId(pair.getPublic()));
    }

    /**
     * Checks the release's signature against the trusted keys.
     *
     * @return the id of the trusted key that signed it
     * @throws ReleaseSignatureException {@code UNSIGNED}, {@code UNKNOWN_KEY} or {@code BAD_SIGNATURE}
     */
    public static String verify(ModelRelease release, TrustedKeys trusted) throws ReleaseSignatureException {
        return verify("release", release.releaseId(), release.signedBy(), release.signatureBase64(),
                () -> canonicalBytes(release), trusted);
    }

    /** The canonical bytes an advisory's signature covers: {@code "edgeinfer-deprecation-v1\n"} then its fields. */
    public static byte[] canonicalBytes(DeprecationAdvisory a) {
        return CanonicalForm.of(a);
    }

    /** The advisory signed with the pair's private key, under the pair's key id. */
    public static DeprecationAdvisory sign(DeprecationAdvisory advisory, PrivateKey key, String keyId) {
        return advisory.withSignature(keyId, signature(canonicalBytes(advisory), key));
    }

    /**
     * Checks an advisory's signature as {@link #verify(ModelRelease, TrustedKeys)} checks a release's.
     *
     * @return the id of the trusted key that signed it
     */
    public static String verify(DeprecationAdvisory advisory, TrustedKeys trusted) throws ReleaseSignatureException {
        return verify("advisory", advisory.advisoryId(), advisory.signedBy(), advisory.signatureBase64(),
                () -> canonicalBytes(advisory), trusted);
    }

    private static String signature(byte[] canonical, PrivateKey key) {
        requireEd25519(key);
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(canonical);
            return Base64.getEncoder().encodeToString(signer.sign());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not a usable Ed25519 private key: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException | SignatureException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    private static String verify(String what, String id, String keyId, String signatureBase64,
            java.util.function.Supplier<byte[]> canonical, TrustedKeys trusted) throws ReleaseSignatureException {
        if (keyId == null) {
            throw new ReleaseSignatureException(Reason.UNSIGNED, id, null,
                    what + " " + id + " is not signed, but signatures are required");
        }
        PublicKey key = trusted.find(keyId).orElseThrow(() -> new ReleaseSignatureException(
                Reason.UNKNOWN_KEY, id, keyId,
                what + " " + id + " is signed by key " + keyId
                        + ", which is not trusted (trusted: " + trusted.keyIds() + ")"));
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(canonical.get());
            valid = verifier.verify(Base64.getDecoder().decode(signatureBase64));
        } catch (IllegalArgumentException | SignatureException e) {
            // A field with an unpaired surrogate has no canonical form, so nobody can have signed it.
            valid = false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 verification unavailable", e);
        }
        if (!valid) {
            throw new ReleaseSignatureException(Reason.BAD_SIGNATURE, id, keyId,
                    what + " " + id + " has a signature by key " + keyId
                            + " that does not match its contents (modified after signing, or signed with another key)");
        }
        return keyId;
    }

    /** {@code true} iff {@link #verify} would succeed. */
    public static boolean isValid(ModelRelease release, TrustedKeys trusted) {
        try {
            verify(release, trusted);
            return true;
        } catch (ReleaseSignatureException e) {
            return false;
        }
    }

    // ---- key files ------------------------------------------------------------------------

    /** Writes the key as PEM {@code PRIVATE KEY} (PKCS#8), owner-only; refuses to overwrite. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        requireEd25519(key);
        byte[] pem = pem(PEM_PRIVATE, key.getEncoded());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.write(file, pem, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Writes the key as PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo); refuses to overwrite. */
    public static void writePublicKey(Path file, PublicKey key) throws IOException {
        requireEd25519(key);
        Files.write(file, pem(PEM_PUBLIC, key.getEncoded()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Reads a PEM {@code PRIVATE KEY} or raw PKCS#8 DER file holding an Ed25519 key. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = readDer(file, PEM_PRIVATE);
        try {
            PrivateKey key = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
            requireEd25519(key);
            return key;
        } catch (InvalidKeySpecException | IllegalArgumentException e) {
            throw new IOException(file + " is not an Ed25519 private key (PKCS#8): " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a PEM {@code PUBLIC KEY} or raw X.509 DER file holding an Ed25519 key. */
    public static PublicKey readPublicKey(Path file) throws IOException {
        byte[] der = readDer(file, PEM_PUBLIC);
        try {
            return decodePublicKey(der);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not an Ed25519 public key (X.509): " + e.getMessage(), e);
        }
    }

    static PublicKey decodePublicKey(byte[] x509) {
        try {
            PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(x509));
            requireEd25519(key);
            return key;
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void requireEd25519(Key key) {
        if (!(key instanceof EdECKey ed) || !ALGORITHM.equalsIgnoreCase(ed.getParams().getName())) {
            throw new IllegalArgumentException("expected an Ed25519 key, got "
                    + (key == null ? "null" : key.getAlgorithm() + " " + key.getClass().getSimpleName()));
        }
    }

    private static byte[] pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] readDer(Path file, String expectedLabel) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        String text = new String(raw, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN ");
        if (begin < 0) {
            return raw; // binary DER
        }
        int labelEnd = text.indexOf("-----", begin + 11);
        String label = labelEnd < 0 ? "" : text.substring(begin + 11, labelEnd);
        if (!label.equals(expectedLabel)) {
            throw new IOException(file + " holds a PEM '" + label + "', expected '" + expectedLabel + "'"
                    + (label.contains("PRIVATE") ? " (a private key must never be placed among trusted public keys)" : ""));
        }
        int end = text.indexOf("-----END " + expectedLabel + "-----", labelEnd);
        if (end < 0) {
            throw new IOException(file + ": PEM block '" + expectedLabel + "' has no END line");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(labelEnd + 5, end).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": PEM body is not base64: " + e.getMessage(), e);
        }
    }
}

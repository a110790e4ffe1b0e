package dev.edgeinfer.broadcast.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException.Reason;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

class ReleaseSigningTest {

    private static final KeyPair KEYS = ReleaseSigning.generateKeyPair();
    private static final KeyPair OTHER_KEYS = ReleaseSigning.generateKeyPair();
    private static final TrustedKeys TRUSTED = TrustedKeys.of(KEYS.getPublic());

    private final ModelRelease release = Releases.release("sensor-anomaly", "v2", 1767225600000L)
            .signature(ModelSignature.declared(
                    List.of(TensorSpec.of("features", -1, 32), TensorSpec.of("mask", -1, 32)),
                    List.of(TensorSpec.of("score", -1, 1))))
            .canaryPercent(25)
            .publisher("alice@ml-team")
            .publishedAt(1767225590000L)
            .build();

    private static Reason failure(ModelRelease r, TrustedKeys keys) {
        ReleaseSignatureException e = catchThrowableOfType(ReleaseSignatureException.class, () -> ReleaseSigning.verify(r, keys));
        assertThat(e).as("verification of %s should fail", r).isNotNull();
        return e.reason();
    }

    @Test
    void signedReleaseVerifiesAndNamesItsKey() throws Exception {
        ModelRelease signed = ReleaseSigning.sign(release, KEYS);
        assertThat(signed.isSigned()).isTrue();
        assertThat(signed.signedBy()).isEqualTo(ReleaseSigning.keyId(KEYS.getPublic())).hasSize(16);
        assertThat(Base64.getDecoder().decode(signed.signatureBase64())).hasSize(64);
        assertThat(ReleaseSigning.verify(signed, TRUSTED)).isEqualTo(signed.signedBy());
        assertThat(ReleaseSigning.isValid(signed, TRUSTED)).isTrue();
    }

    @Test
    void signingDoesNotChangeTheReleaseIdOrOtherFields() {
        ModelRelease signed = ReleaseSigning.sign(release, KEYS);
        assertThat(signed.releaseId()).isEqualTo(release.releaseId());
        assertThat(signed.unsigned()).isEqualTo(release);
    }

    @Test
    void signingIsDeterministic() {
        assertThat(ReleaseSigning.sign(release, KEYS)).isEqualTo(ReleaseSigning.sign(release, KEYS));
    }

    @Test
    void changingAnySingleFieldAfterSigningFailsWithBadSignature() {
        ModelRelease signed = ReleaseSigning.sign(release, KEYS);
        Map<String, UnaryOperator<ModelRelease.Builder>> edits = new LinkedHashMap<>();
        edits.put("model", b -> b.model("sensor-anomalz"));
        edits.put("version", b -> b.version("v3"));
        edits.put("sha256", b -> b.sha256(Releases.sha("other")));
        edits.put("uri", b -> b.uri("file:///models/evil.onnx"));
        edits.put("sizeBytes", b -> b.sizeBytes(1235));
        edits.put("signature.inputs name", b -> b.signature(ModelSignature.declared(
                List.of(TensorSpec.of("featurez", -1, 32), TensorSpec.of("mask", -1, 32)), List.of(TensorSpec.of("score", -1, 1)))));
        edits.put("signature.inputs shape", b -> b.signature(ModelSignature.declared(
                List.of(TensorSpec.of("features", -1, 33), TensorSpec.of("mask", -1, 32)), List.of(TensorSpec.of("score", -1, 1)))));
        edits.put("signature.inputs order", b -> b.signature(ModelSignature.declared(
                List.of(TensorSpec.of("mask", -1, 32), TensorSpec.of("features", -1, 32)), List.of(TensorSpec.of("score", -1, 1)))));
        edits.put("signature.outputs", b -> b.signature(ModelSignature.declared(
                List.of(TensorSpec.of("features", -1, 32), TensorSpec.of("mask", -1, 32)), List.of(TensorSpec.of("score", -1)))));
        edits.put("activateAt", b -> b.activateAt(1767225600001L));
        edits.put("canaryPercent", b -> b.canaryPercent(26));
        edits.put("publisher", b -> b.publisher("mallory@ml-team"));
        edits.put("publishedAt", b -> b.publishedAt(1767225590001L));
        edits.put("targets: sites added", b -> b.targets(ReleaseTarget.of(List.of("plant-1"), List.of())));
        edits.put("targets: labels added", b -> b.targets(ReleaseTarget.of(List.of(), List.of("wave=1"))));
        for (Map.Entry<String, UnaryOperator<ModelRelease.Builder>> edit : edits.entrySet()) {
            ModelRelease tampered = edit.getValue().apply(signed.toBuilder()).build();
            assertThat(tampered).as(edit.getKey()).isNotEqualTo(signed);
            assertThat(failure(tampered, TRUSTED)).as(edit.getKey()).isEqualTo(Reason.BAD_SIGNATURE);
        }
    }

    @Test
    void everyFlippedBitOfTheSignatureFailsWithBadSignature() {
        ModelRelease signed = ReleaseSigning.sign(release, KEYS);
        byte[] sig = Base64.getDecoder().decode(signed.signatureBase64());
        for (int i = 0; i < sig.length * 8; i++) {
            byte[] flipped = sig.clone();
            flipped[i / 8] ^= (byte) (1 << (i % 8));
            ModelRelease tampered = signed.withSignature(signed.signedBy(), Base64.getEncoder().encodeToString(flipped));
            assertThat(failure(tampered, TRUSTED)).as("bit %d", i).isEqualTo(Reason.BAD_SIGNATURE);
        }
    }

    @Test
    void everyFlippedByteOfTheCanonicalFormChangesItsVerification() throws Exception {
        // The signature is over these bytes: flipping any one of them must not verify.
        ModelRelease signed = ReleaseSigning.sign(release, KEYS);
        byte[] canonical = ReleaseSigning.canonicalBytes(release);
        java.security.Signature verifier = java.security.Signature.getInstance("Ed25519");
        byte[] sig = Base64.getDecoder().decode(signed.signatureBase64());
        for (int i = 0; i < canonical.length; i++) {
            byte[] flipped = canonical.clone();
            flipped[i] ^= 0x01;
            verifier.initVerify(KEYS.getPublic());
            verifier.update(flipped);
            assertThat(verifier.verify(sig)).as("byte %d", i).isFalse();
        }
    }

    @Test
    void signatureByAnotherKeyUnderTheTrustedIdFailsWithBadSignature() {
        ModelRelease forged = ReleaseSigning.sign(release, OTHER_KEYS.getPrivate(), ReleaseSigning.keyId(KEYS.getPublic()));
        assertThat(failure(forged, TRUSTED)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void unsignedReleaseFailsWithUnsigned() {
        assertThat(failure(release, TRUSTED)).isEqualTo(Reason.UNSIGNED);
    }

    @Test
    void releaseSignedByAnUntrustedKeyFailsWithUnknownKey() {
        ModelRelease signed = ReleaseSigning.sign(release, OTHER_KEYS);
        ReleaseSignatureException e = catchThrowableOfType(ReleaseSignatureException.class,
                () -> ReleaseSigning.verify(signed, TRUSTED));
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY);
        assertThat(e.keyId()).isEqualTo(ReleaseSigning.keyId(OTHER_KEYS.getPublic()));
        assertThat(e.getMessage()).contains(e.keyId());
        assertThat(failure(ReleaseSigning.sign(release, KEYS), TrustedKeys.none())).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void canonicalFormStartsWithTheVersionPrefixAndIsLengthPrefixed() {
        byte[] bytes = ReleaseSigning.canonicalBytes(release);
        String head = new String(bytes, 0, 21, StandardCharsets.US_ASCII);
        assertThat(head).isEqualTo("edgeinfer-release-v1\n");
        // str(model): u32 length 14, then "sensor-anomaly"
        assertThat(bytes[21]).isZero();
        assertThat(bytes[24]).isEqualTo((byte) 14);
        assertThat(new String(bytes, 25, 14, StandardCharsets.UTF_8)).isEqualTo("sensor-anomaly");
    }

    @Test
    void canonicalFormSeparatesFieldsWhoseConcatenationsCollide() {
        ModelRelease a = release.toBuilder().model("ab").version("c").build();
        ModelRelease b = release.toBuilder().model("a").version("bc").build();
        assertThat(ReleaseSigning.canonicalBytes(a)).isNotEqualTo(ReleaseSigning.canonicalBytes(b));

        ModelRelease t1 = release.toBuilder().signature(ModelSignature.declared(
                List.of(TensorSpec.of("x", 1, 2), TensorSpec.of("y")), List.of(TensorSpec.of("s")))).build();
        ModelRelease t2 = release.toBuilder().signature(ModelSignature.declared(
                List.of(TensorSpec.of("x", 1), TensorSpec.of("y", 2)), List.of(TensorSpec.of("s")))).build();
        assertThat(ReleaseSigning.canonicalBytes(t1)).isNotEqualTo(ReleaseSigning.canonicalBytes(t2));

        ModelRelease in = release.toBuilder().signature(ModelSignature.declared(
                List.of(TensorSpec.of("x"), TensorSpec.of("y")), List.of(TensorSpec.of("s")))).build();
        ModelRelease out = release.toBuilder().signature(ModelSignature.declared(
                List.of(TensorSpec.of("x")), List.of(TensorSpec.of("y"), TensorSpec.of("s")))).build();
        assertThat(ReleaseSigning.canonicalBytes(in)).isNotEqualTo(ReleaseSigning.canonicalBytes(out));

        // A signature over one must not verify the other.
        ModelRelease signedA = ReleaseSigning.sign(a, KEYS);
        ModelRelease bWithASignature = b.withSignature(signedA.signedBy(), signedA.signatureBase64());
        assertThat(failure(bWithASignature, TRUSTED)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void fieldsThatAreNotValidUnicodeCannotBeSignedAndDoNotVerify() {
        ModelRelease bad = release.toBuilder().publisher("alice\uD800").build();
        ModelRelease lookalike = release.toBuilder().publisher("alice?").build();
        assertThatThrownBy(() -> ReleaseSigning.sign(bad, KEYS)).isInstanceOf(IllegalArgumentException.class);
        ModelRelease signed = ReleaseSigning.sign(lookalike, KEYS);
        ModelRelease swapped = bad.withSignature(signed.signedBy(), signed.signatureBase64());
        assertThat(failure(swapped, TRUSTED)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void keysRoundTripThroughPemFilesAndKeepTheirId(@TempDir Path dir) throws Exception {
        Path priv = dir.resolve("signing.key");
        Path pub = dir.resolve("signing.pub");
        ReleaseSigning.writePrivateKey(priv, KEYS.getPrivate());
        ReleaseSigning.writePublicKey(pub, KEYS.getPublic());
        assertThat(Files.readString(priv)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(pub)).startsWith("-----BEGIN PUBLIC KEY-----\n");
        if (Files.getFileStore(priv).supportsFileAttributeView("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)))
                    .isEqualTo("rw-------");
        }
        ModelRelease signed = ReleaseSigning.sign(release, ReleaseSigning.readPrivateKey(priv),
                ReleaseSigning.keyId(ReleaseSigning.readPublicKey(pub)));
        assertThat(ReleaseSigning.verify(signed, TrustedKeys.fromFiles(pub))).isEqualTo(ReleaseSigning.keyId(KEYS.getPublic()));
    }

    @Test
    void keyFilesAreNeverOverwritten(@TempDir Path dir) throws Exception {
        Path pub = dir.resolve("k.pub");
        ReleaseSigning.writePublicKey(pub, KEYS.getPublic());
        assertThatThrownBy(() -> ReleaseSigning.writePublicKey(pub, OTHER_KEYS.getPublic()))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        Path priv = dir.resolve("k.key");
        ReleaseSigning.writePrivateKey(priv, KEYS.getPrivate());
        assertThatThrownBy(() -> ReleaseSigning.writePrivateKey(priv, OTHER_KEYS.getPrivate()))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }

    @Test
    void trustedKeysLoadFromADirectoryAndRefuseAPrivateKeyThere(@TempDir Path dir) throws Exception {
        ReleaseSigning.writePublicKey(dir.resolve("a.pub"), KEYS.getPublic());
        ReleaseSigning.writePublicKey(dir.resolve("b.pem"), OTHER_KEYS.getPublic());
        Files.writeString(dir.resolve("README.txt"), "ignored");
        TrustedKeys keys = TrustedKeys.fromDirectory(dir);
        assertThat(keys.keyIds()).containsExactlyInAnyOrder(
                ReleaseSigning.keyId(KEYS.getPublic()), ReleaseSigning.keyId(OTHER_KEYS.getPublic()));
        assertThat(ReleaseSigning.isValid(ReleaseSigning.sign(release, OTHER_KEYS), keys)).isTrue();

        ReleaseSigning.writePrivateKey(dir.resolve("oops.pem"), KEYS.getPrivate());
        assertThatThrownBy(() -> TrustedKeys.fromDirectory(dir))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("oops.pem").hasMessageContaining("private key");
    }

    @Test
    void trustedKeysRefuseNonEd25519Keys() throws Exception {
        KeyPair rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();
        assertThatThrownBy(() -> TrustedKeys.of(rsa.getPublic())).isInstanceOf(IllegalArgumentException.class);
        assertThat(TrustedKeys.none().isEmpty()).isTrue();
    }

    @Test
    void trustedKeysSurviveJavaSerialization() throws Exception {
        TrustedKeys back = InstantiationUtil.clone(TRUSTED);
        assertThat(back).isEqualTo(TRUSTED);
        assertThat(ReleaseSigning.isValid(ReleaseSigning.sign(release, KEYS), back)).isTrue();
    }

    @Test
    void malformedSignatureComponentsAreRefusedAtConstruction() {
        assertThatThrownBy(() -> release.toBuilder().signedBy("0123456789abcdef").build())
                .isInstanceOf(InvalidReleaseException.class).hasMessageContaining("signing.signature");
        String sig = Base64.getEncoder().encodeToString(new byte[64]);
        assertThatThrownBy(() -> release.withSignature("XYZ", sig)).isInstanceOf(InvalidReleaseException.class);
        assertThatThrownBy(() -> release.withSignature("0123456789abcdef", Base64.getEncoder().encodeToString(new byte[63])))
                .isInstanceOf(InvalidReleaseException.class);
        assertThatThrownBy(() -> release.withSignature("0123456789abcdef", sig.replace("=", "")))
                .isInstanceOf(InvalidReleaseException.class);
    }
}

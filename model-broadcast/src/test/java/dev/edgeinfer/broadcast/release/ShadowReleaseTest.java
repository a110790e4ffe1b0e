package dev.edgeinfer.broadcast.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;

/** The shadow flag on a release: its id, its JSON schema and its signed canonical form. */
class ShadowReleaseTest {

    private final ModelRelease serving = Releases.full("sensor-anomaly", "v3", 5_000);
    private final ModelRelease shadow = serving.toBuilder().shadow(true).build();
    private final ModelRelease scopedShadow =
            shadow.toBuilder().targets(ReleaseTarget.of(List.of("plant-1"), List.of())).canaryPercent(20).build();

    private static String json(ModelRelease r) {
        return new String(ModelReleaseJson.toJson(r), StandardCharsets.UTF_8);
    }

    private static InvalidReleaseException rejection(String json) {
        return catchThrowableOfType(
                InvalidReleaseException.class, () -> ModelReleaseJson.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aShadowIsAnotherActivationThanTheServingReleaseOfTheSameVersionAtTheSameTime() {
        assertThat(shadow.releaseId()).isEqualTo(serving.releaseId() + "@shadow");
        assertThat(scopedShadow.releaseId()).startsWith(serving.releaseId() + "@").endsWith("@shadow");
        assertThat(shadow.toString()).contains("shadow");
        assertThat(serving.shadow()).isFalse();
        assertThat(shadow.toBuilder().build()).isEqualTo(shadow);
    }

    @Test
    void aShadowIsWrittenInSchemaThreeAndEveryOtherReleaseExactlyAsBefore() {
        assertThat(json(shadow)).startsWith("{\"schema\":3,").endsWith(",\"shadow\":true}");
        assertThat(json(scopedShadow)).startsWith("{\"schema\":3,").contains("\"targets\":{\"sites\":[\"plant-1\"]");
        assertThat(json(serving)).startsWith("{\"schema\":1,").doesNotContain("shadow");
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(shadow))).isEqualTo(shadow);
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(scopedShadow))).isEqualTo(scopedShadow);
    }

    @Test
    void aShadowFlagInAnOlderSchemaOrASchemaThreeWithoutTheFlagIsRefusedRatherThanServed() {
        InvalidReleaseException downgraded = rejection(json(shadow).replace("\"schema\":3", "\"schema\":1"));
        assertThat(downgraded.reason()).isEqualTo(Reason.INVALID_FIELD);
        assertThat(downgraded.field()).isEqualTo("shadow");
        assertThat(downgraded).hasMessageContaining("serve the shadow");
        InvalidReleaseException unflagged = rejection(json(shadow).replace("\"shadow\":true", "\"shadow\":false"));
        assertThat(unflagged.field()).isEqualTo("shadow");
        InvalidReleaseException notBoolean = rejection(json(shadow).replace("\"shadow\":true", "\"shadow\":\"yes\""));
        assertThat(notBoolean.field()).isEqualTo("shadow");
        // A serving release may say "shadow":false in schema 1 (an explicit default).
        ModelRelease explicit = ModelReleaseJson.fromJson(
                json(serving).replace("\"schema\":1,", "\"schema\":1,\"shadow\":false,").getBytes(StandardCharsets.UTF_8));
        assertThat(explicit).isEqualTo(serving);
    }

    @Test
    void releasesWithoutShadowKeepTheCanonicalBytesTheyHadBeforeShadowsExisted() {
        // sha256 of the canonical bytes, computed by the build before the shadow flag existed.
        ModelRelease v1 = Releases.full("sensor-anomaly", "v2", 5_000);
        ModelRelease v2 = v1.toBuilder().putMetadata("labels", "a,b").build();
        ModelRelease v3 = v2.toBuilder().canaryPercent(10)
                .targets(ReleaseTarget.of(List.of("plant-1"), List.of("wave=1"))).build();
        assertThat(Sha256.of(ReleaseSigning.canonicalBytes(v1)))
                .isEqualTo("c5a6f1cb86c0c6f8d17faf3f4055e691eb7a21842eeed359cc51becef26b8350");
        assertThat(Sha256.of(ReleaseSigning.canonicalBytes(v2)))
                .isEqualTo("6e21d9ee2011a77ef00cd51ead46026dc1ff1c59c21e7697c0fbef039ae5da92");
        assertThat(Sha256.of(ReleaseSigning.canonicalBytes(v3)))
                .isEqualTo("20d4752addf266f231ce8093e88189dd104d15fbd6f8569d1ecf1f278ea6ce6d");
    }

    @Test
    void aShadowIsSignedInTheV4FormTheV3BodyFollowedByItsRole() throws Exception {
        byte[] v3Body = ReleaseSigning.canonicalBytes(serving.toBuilder()
                .targets(ReleaseTarget.of(List.of("plant-1"), List.of())).canaryPercent(20).build());
        byte[] v4 = ReleaseSigning.canonicalBytes(scopedShadow);
        int prefix = ReleaseSigning.CANONICAL_PREFIX_V3.length();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(ReleaseSigning.CANONICAL_PREFIX_V4.getBytes(StandardCharsets.US_ASCII));
        expected.write(Arrays.copyOfRange(v3Body, prefix, v3Body.length));
        try (DataOutputStream out = new DataOutputStream(expected)) {
            out.writeInt(ReleaseSigning.SHADOW_ROLE.length());
            out.write(ReleaseSigning.SHADOW_ROLE.getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(v4).isEqualTo(expected.toByteArray());
        // A shadow for every site, without variants, still writes the whole v3 body.
        assertThat(new String(ReleaseSigning.canonicalBytes(shadow), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX_V4);
    }

    @Test
    void theSignatureCoversTheShadowFlagSoNobodyTurnsAShadowIntoAServingActivation() {
        KeyPair keys = ReleaseSigning.generateKeyPair();
        TrustedKeys trusted = TrustedKeys.of(keys.getPublic());
        ModelRelease signed = ReleaseSigning.sign(shadow, keys);
        assertThat(ReleaseSigning.isValid(signed, trusted)).isTrue();
        assertThat(ReleaseSigning.isValid(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(signed)), trusted)).isTrue();
        assertThat(ReleaseSigning.isValid(signed.toBuilder().shadow(false).build(), trusted)).isFalse();
        ModelRelease signedServing = ReleaseSigning.sign(serving, keys);
        assertThat(ReleaseSigning.isValid(signedServing.toBuilder().shadow(true).build(), trusted)).isFalse();
    }
}

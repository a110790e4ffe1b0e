package dev.edgeinfer.broadcast.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.control.ModelReleaseSerializer;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The optional, signed {@code metadata} map of a release. */
class ReleaseMetadataTest {

    private static final KeyPair KEYS = ReleaseSigning.generateKeyPair();
    private static final TrustedKeys TRUSTED = TrustedKeys.of(KEYS.getPublic());
    private static final Map<String, String> IMAGE = Map.of(
            "labels", "red,green,blue", "image.mean", "0.485,0.456,0.406", "image.std", "0.229,0.224,0.225");

    @Test
    void withoutMetadataTheCanonicalFormIsTheV1FormByteForByte() {
        ModelRelease plain = Releases.full("m", "v1", 1000);
        assertThat(plain.metadata()).isEmpty();
        byte[] bytes = ReleaseSigning.canonicalBytes(plain);
        assertThat(new String(bytes, 0, ReleaseSigning.CANONICAL_PREFIX.length(), StandardCharsets.US_ASCII))
                .isEqualTo(ReleaseSigning.CANONICAL_PREFIX);
        // v1 ends with publishedAt: nothing is appended for an empty map.
        byte[] tail = Arrays.copyOfRange(bytes, bytes.length - 8, bytes.length);
        assertThat(tail).isEqualTo(longBytes(plain.publishedAt()));
        assertThat(ReleaseSigning.canonicalBytes(plain.toBuilder().metadata(Map.of()).build())).isEqualTo(bytes);
        // An old signature (no metadata) still verifies after a JSON round trip.
        ModelRelease signed = ReleaseSigning.sign(plain, KEYS);
        ModelRelease back = ModelReleaseJson.fromJson(ModelReleaseJson.toJson(signed));
        assertThat(ReleaseSigning.isValid(back, TRUSTED)).isTrue();
        assertThat(new String(ModelReleaseJson.toJson(signed), StandardCharsets.UTF_8)).doesNotContain("metadata");
    }

    @Test
    void metadataIsSignedInTheV2FormSortedAndLengthPrefixed() throws Exception {
        ModelRelease r = Releases.release("m", "v1", 1000).metadata(new LinkedHashMap<>(IMAGE)).build();
        byte[] bytes = ReleaseSigning.canonicalBytes(r);
        assertThat(new String(bytes, 0, ReleaseSigning.CANONICAL_PREFIX_V2.length(), StandardCharsets.US_ASCII))
                .isEqualTo(ReleaseSigning.CANONICAL_PREFIX_V2);
        ByteArrayOutputStream expectedTail = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expectedTail)) {
            out.writeLong(r.publishedAt());
            out.writeInt(3);
            for (String key : new String[] {"image.mean", "image.std", "labels"}) {
                for (String s : new String[] {key, IMAGE.get(key)}) {
                    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                }
            }
        }
        byte[] tail = expectedTail.toByteArray();
        assertThat(Arrays.copyOfRange(bytes, bytes.length - tail.length, bytes.length)).isEqualTo(tail);

        ModelRelease signed = ReleaseSigning.sign(r, KEYS);
        assertThat(ReleaseSigning.isValid(signed, TRUSTED)).isTrue();
        // Any change to the metadata breaks the signature, including dropping it.
        assertThat(ReleaseSigning.isValid(signed.toBuilder().putMetadata("labels", "red,blue,green").build(), TRUSTED)).isFalse();
        assertThat(ReleaseSigning.isValid(signed.toBuilder().putMetadata("extra", "x").build(), TRUSTED)).isFalse();
        assertThat(ReleaseSigning.isValid(signed.toBuilder().metadata(Map.of()).build(), TRUSTED)).isFalse();
        // Entries whose concatenations collide are still different messages.
        ModelRelease a = r.toBuilder().metadata(Map.of("ab", "c")).build();
        ModelRelease b = r.toBuilder().metadata(Map.of("a", "bc")).build();
        assertThat(ReleaseSigning.canonicalBytes(a)).isNotEqualTo(ReleaseSigning.canonicalBytes(b));
    }

    @Test
    void metadataSurvivesJsonAndTheStateSerializerAndIsNotPartOfTheReleaseId() throws Exception {
        ModelRelease r = ReleaseSigning.sign(Releases.release("m", "v1", 1000).metadata(IMAGE).build(), KEYS);
        byte[] json = ModelReleaseJson.toJson(r);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"metadata\":{\"image.mean\":\"0.485,0.456,0.406\",\"image.std\":\"0.229,0.224,0.225\",\"labels\":\"red,green,blue\"}");
        ModelRelease back = ModelReleaseJson.fromJson(json);
        assertThat(back).isEqualTo(r);
        assertThat(back.metadata("labels")).isEqualTo("red,green,blue");
        assertThat(ReleaseSigning.isValid(back, TRUSTED)).isTrue();
        assertThat(r.releaseId()).isEqualTo(r.toBuilder().metadata(Map.of()).build().releaseId());
        assertThat(r.toBuilder().build()).isEqualTo(r);

        org.apache.flink.core.memory.DataOutputSerializer out = new org.apache.flink.core.memory.DataOutputSerializer(256);
        ModelReleaseSerializer.INSTANCE.serialize(r, out);
        assertThat(ModelReleaseSerializer.INSTANCE.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(r);
    }

    @Test
    void invalidMetadataIsRejectedNamingTheField() {
        String base = new String(ModelReleaseJson.toJson(Releases.full("m", "v1", 1000)), StandardCharsets.UTF_8);
        String notObject = base.substring(0, base.length() - 1) + ",\"metadata\":[1]}";
        assertThatThrownBy(() -> ModelReleaseJson.fromJson(notObject.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidReleaseException.class).hasMessageContaining("metadata");
        String notString = base.substring(0, base.length() - 1) + ",\"metadata\":{\"labels\":3}}";
        assertThatThrownBy(() -> ModelReleaseJson.fromJson(notString.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidReleaseException.class).hasMessageContaining("metadata.labels");
        assertThatThrownBy(() -> Releases.release("m", "v1", 1).putMetadata("bad key", "x").build())
                .isInstanceOf(InvalidReleaseException.class).hasMessageContaining("metadata");
        assertThatThrownBy(() -> Releases.release("m", "v1", 1).putMetadata("k", "x".repeat(20_000)).build())
                .isInstanceOf(InvalidReleaseException.class).hasMessageContaining("metadata.k");
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }
}

package dev.edgeinfer.broadcast.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ControlMessageSerializer;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;

class DeprecationAdvisoryTest {

    private static final KeyPair KEYS = ReleaseSigning.generateKeyPair();
    private final ModelRelease v3 = Releases.full("sensor-anomaly", "v3", 5_000);
    private final DeprecationAdvisory advisory = new DeprecationAdvisory("sensor-anomaly", "v3", v3.sha256(),
            "NaN scores on flat-lined sensors", 9_000, "alice", 8_000, null, null);

    private static ControlMessage decode(String key, byte[] value) {
        return ControlMessage.decode(key.getBytes(StandardCharsets.UTF_8), value, "control", 0, 7, true);
    }

    @Test
    void anAdvisoryRoundTripsThroughItsJsonAndCoversExactlyItsVersionsBytes() {
        assertThat(DeprecationJson.fromJson(DeprecationJson.toJson(advisory))).isEqualTo(advisory);
        assertThat(new String(DeprecationJson.toJson(advisory), StandardCharsets.UTF_8))
                .startsWith("{\"schema\":1,\"type\":\"deprecation\",");
        assertThat(advisory.advisoryId()).isEqualTo("sensor-anomaly@deprecated@v3@" + v3.sha256().substring(0, 12));
        assertThat(advisory.covers(v3)).isTrue();
        assertThat(advisory.covers(v3.toBuilder().sha256(Releases.sha("other bytes")).build())).isFalse();
        assertThat(advisory.covers(Releases.full("sensor-anomaly", "v2", 5_000))).isFalse();
    }

    @Test
    void aSignedAdvisoryVerifiesAndAnyChangedFieldOrAMissingSignatureDoesNot() throws Exception {
        TrustedKeys trusted = TrustedKeys.of(KEYS.getPublic());
        DeprecationAdvisory signed = ReleaseSigning.sign(advisory, KEYS.getPrivate(), ReleaseSigning.keyId(KEYS.getPublic()));
        assertThat(ReleaseSigning.verify(DeprecationJson.fromJson(DeprecationJson.toJson(signed)), trusted))
                .isEqualTo(signed.signedBy());
        DeprecationAdvisory earlier = new DeprecationAdvisory(signed.model(), signed.version(), signed.sha256(),
                signed.reason(), 1_000, signed.publisher(), signed.publishedAt(), signed.signedBy(), signed.signatureBase64());
        assertThat(catchThrowableOfType(ReleaseSignatureException.class, () -> ReleaseSigning.verify(earlier, trusted))
                .reason()).isEqualTo(ReleaseSignatureException.Reason.BAD_SIGNATURE);
        assertThat(catchThrowableOfType(ReleaseSignatureException.class, () -> ReleaseSigning.verify(advisory, trusted))
                .reason()).isEqualTo(ReleaseSignatureException.Reason.UNSIGNED);
    }

    @Test
    void theControlTopicDecodesAnAdvisoryUnderItsIdAndRejectsOneUnderAnotherKeyOrMalformed() throws Exception {
        ControlMessage message = decode(advisory.advisoryId(), DeprecationJson.toJson(advisory));
        assertThat(message).isEqualTo(new ControlMessage.Advisory(advisory, "control", 0, 7));
        assertThat(decode(v3.releaseId(), DeprecationJson.toJson(advisory)))
                .isInstanceOfSatisfying(ControlMessage.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(InvalidReleaseException.Reason.KEY_MISMATCH));
        byte[] noReason = new String(DeprecationJson.toJson(advisory), StandardCharsets.UTF_8)
                .replace("\"reason\":\"NaN scores on flat-lined sensors\",", "").getBytes(StandardCharsets.UTF_8);
        assertThat(decode(advisory.advisoryId(), noReason)).isInstanceOfSatisfying(ControlMessage.Rejected.class,
                r -> assertThat(r.field()).isEqualTo("reason"));

        DataOutputSerializer out = new DataOutputSerializer(256);
        ControlMessageSerializer.INSTANCE.serialize(message, out);
        assertThat(ControlMessageSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isEqualTo(message);
    }
}

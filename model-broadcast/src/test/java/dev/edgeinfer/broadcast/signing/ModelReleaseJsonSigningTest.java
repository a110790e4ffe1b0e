package dev.edgeinfer.broadcast.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.control.ModelReleaseSerializer;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.testutils.Releases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.util.function.Consumer;

class ModelReleaseJsonSigningTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final KeyPair KEYS = ReleaseSigning.generateKeyPair();

    private final ModelRelease unsigned = Releases.full("sensor-anomaly", "v2", 1767225600000L);
    private final ModelRelease signed = ReleaseSigning.sign(unsigned, KEYS);

    @Test
    void unsignedReleaseRoundTripsWithoutASigningBlock() throws Exception {
        byte[] json = ModelReleaseJson.toJson(unsigned);
        assertThat(MAPPER.readTree(json).has("signing")).isFalse();
        assertThat(ModelReleaseJson.fromJson(json)).isEqualTo(unsigned);
    }

    @Test
    void signedReleaseRoundTripsAndStillVerifies() throws Exception {
        byte[] json = ModelReleaseJson.toJson(signed);
        JsonNode signing = MAPPER.readTree(json).get("signing");
        assertThat(signing.get("algorithm").textValue()).isEqualTo("Ed25519");
        assertThat(signing.get("keyId").textValue()).isEqualTo(signed.signedBy());
        assertThat(signing.get("signature").textValue()).isEqualTo(signed.signatureBase64());
        ModelRelease back = ModelReleaseJson.fromJson(json);
        assertThat(back).isEqualTo(signed);
        assertThat(ReleaseSigning.isValid(back, TrustedKeys.of(KEYS.getPublic()))).isTrue();
    }

    @Test
    void reformattedJsonStillVerifiesBecauseTheSignatureCoversTheCanonicalForm() throws Exception {
        ObjectNode tree = (ObjectNode) MAPPER.readTree(ModelReleaseJson.toJson(signed));
        // Reorder keys: move "model" to the end, pretty-print.
        JsonNode model = tree.remove("model");
        tree.set("model", model);
        byte[] pretty = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
        assertThat(ReleaseSigning.isValid(ModelReleaseJson.fromJson(pretty), TrustedKeys.of(KEYS.getPublic()))).isTrue();
    }

    @Test
    void tamperedJsonFailsVerification() throws Exception {
        ObjectNode tree = (ObjectNode) MAPPER.readTree(ModelReleaseJson.toJson(signed));
        tree.put("uri", "file:///models/evil.onnx");
        ModelRelease tampered = ModelReleaseJson.fromJson(MAPPER.writeValueAsBytes(tree));
        ReleaseSignatureException e = catchThrowableOfType(ReleaseSignatureException.class,
                () -> ReleaseSigning.verify(tampered, TrustedKeys.of(KEYS.getPublic())));
        assertThat(e.reason()).isEqualTo(ReleaseSignatureException.Reason.BAD_SIGNATURE);
    }

    /** Parses the signed release's JSON after {@code edit} changed its {@code signing} block. */
    private InvalidReleaseException signingRejection(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) MAPPER.readTree(ModelReleaseJson.toJson(signed));
        edit.accept((ObjectNode) tree.get("signing"));
        return catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelReleaseJson.fromJson(MAPPER.writeValueAsBytes(tree)));
    }

    @Test
    void signingBlockWithAnotherAlgorithmIsRefusedNotIgnored() throws Exception {
        InvalidReleaseException e = signingRejection(signing -> signing.put("algorithm", "none"));
        assertThat(e.reason()).isEqualTo(InvalidReleaseException.Reason.INVALID_FIELD);
        assertThat(e.field()).isEqualTo("signing.algorithm");
    }

    @Test
    void signingBlockWithoutSignatureIsRefused() throws Exception {
        InvalidReleaseException e = signingRejection(signing -> signing.remove("signature"));
        assertThat(e.reason()).isEqualTo(InvalidReleaseException.Reason.MISSING_FIELD);
        assertThat(e.field()).isEqualTo("signing.signature");
    }

    @Test
    void signedReleaseSurvivesTheBroadcastStateSerializer() throws Exception {
        ModelReleaseSerializer serializer = ModelReleaseSerializer.INSTANCE;
        org.apache.flink.core.memory.DataOutputSerializer out = new org.apache.flink.core.memory.DataOutputSerializer(512);
        serializer.serialize(signed, out);
        ModelRelease back = serializer.deserialize(new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(signed);
    }
}

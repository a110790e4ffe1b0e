package dev.edgeinfer.broadcast.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.testutils.Releases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

class ModelReleaseJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ModelRelease release = Releases.release("sensor-anomaly", "v2", 1767225600000L)
            .signature(ModelSignature.declared(
                    List.of(TensorSpec.of("features", -1, 32), TensorSpec.of("mask", -1, 32)),
                    List.of(TensorSpec.of("score", -1, 1), TensorSpec.of("scalar"))))
            .canaryPercent(25)
            .publisher("alice@ml-team")
            .publishedAt(1767225590000L)
            .build();

    private ObjectNode tree() throws Exception {
        return (ObjectNode) MAPPER.readTree(ModelReleaseJson.toJson(release));
    }

    private static InvalidReleaseException rejection(byte[] bytes) {
        return catchThrowableOfType(InvalidReleaseException.class, () -> ModelReleaseJson.fromJson(bytes));
    }

    private InvalidReleaseException rejection(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode t = tree();
        edit.accept(t);
        return rejection(MAPPER.writeValueAsBytes(t));
    }

    /** The rejection of the edited document as (reason, field, offending value). */
    private List<Object> verdict(Consumer<ObjectNode> edit) throws Exception {
        InvalidReleaseException e = rejection(edit);
        return Arrays.asList(e.reason(), e.field(), e.offendingValue());
    }

    @Test
    void roundTripPreservesEveryField() {
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(release))).isEqualTo(release);
    }

    @Test
    void writesTheDocumentedFormat() throws Exception {
        JsonNode t = tree();
        assertThat(t.get("schema").intValue()).isEqualTo(1);
        assertThat(t.get("type").textValue()).isEqualTo("release");
        assertThat(t.get("activateAtIso").textValue()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(t.at("/signature/inputs/0/name").textValue()).isEqualTo("features");
        assertThat(t.at("/signature/inputs/0/shape").toString()).isEqualTo("[-1,32]");
        assertThat(t.at("/signature/outputs/1/shape").toString()).isEqualTo("[]");
        assertThat(t.get("canaryPercent").intValue()).isEqualTo(25);
        assertThat(t.get("sizeBytes").longValue()).isEqualTo(1234L);
    }

    @Test
    void unknownExtraFieldsAreIgnored() throws Exception {
        ObjectNode t = tree();
        t.put("futureFlag", true); // not "shadow": that one is known now, and needs schema 3
        t.putObject("futureBlock").put("x", 1);
        ((ObjectNode) t.get("signature")).put("opset", 17);
        assertThat(ModelReleaseJson.fromJson(MAPPER.writeValueAsBytes(t))).isEqualTo(release);
    }

    @Test
    void activateAtIsoIsOptional() throws Exception {
        ObjectNode t = tree();
        t.remove("activateAtIso");
        assertThat(ModelReleaseJson.fromJson(MAPPER.writeValueAsBytes(t))).isEqualTo(release);
    }

    @Test
    void garbageIsMalformedJson() {
        InvalidReleaseException e = rejection("not json {".getBytes(StandardCharsets.UTF_8));
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(e.offendingValue()).isEqualTo("not json {");
    }

    @Test
    void emptyBytesAndNonObjectsAreMalformedJson() {
        assertThat(rejection(new byte[0]).reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(rejection("[1,2]".getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(rejection("   ".getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(rejection(new byte[] {(byte) 0xff, 0x00, 0x13}).reason()).isEqualTo(Reason.MALFORMED_JSON);
    }

    @Test
    void duplicateKeysAndTrailingContentAreMalformedJson() {
        String json = new String(ModelReleaseJson.toJson(release), StandardCharsets.UTF_8);
        String duplicated = json.replace("\"canaryPercent\":25", "\"canaryPercent\":25,\"canaryPercent\":100");
        assertThat(rejection(duplicated.getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(rejection((json + "{}").getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.MALFORMED_JSON);
    }

    @Test
    void unknownSchemaVersionIsUnsupported() throws Exception {
        assertThat(verdict(t -> t.put("schema", 4))).containsExactly(Reason.UNSUPPORTED_SCHEMA, "schema", "4");
    }

    @Test
    void missingOrNonIntegerSchemaIsRejected() throws Exception {
        assertThat(rejection(t -> t.remove("schema")).reason()).isEqualTo(Reason.MISSING_FIELD);
        assertThat(rejection(t -> t.put("schema", "1")).reason()).isEqualTo(Reason.INVALID_FIELD);
    }

    @Test
    void unknownTypeIsUnsupported() throws Exception {
        InvalidReleaseException e = rejection(t -> t.put("type", "rollback"));
        assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
        assertThat(e.offendingValue()).isEqualTo("rollback");
    }

    @Test
    void eachRequiredFieldIsReportedWhenMissing() throws Exception {
        for (String field : List.of("type", "model", "version", "sha256", "uri", "sizeBytes", "signature",
                "activateAt", "canaryPercent", "publisher", "publishedAt")) {
            InvalidReleaseException e = rejection(t -> t.remove(field));
            assertThat(e.reason()).as(field).isEqualTo(Reason.MISSING_FIELD);
            assertThat(e.field()).as(field).isEqualTo(field);
            InvalidReleaseException nulled = rejection(t -> t.putNull(field));
            assertThat(nulled.reason()).as(field + "=null").isEqualTo(Reason.MISSING_FIELD);
        }
    }

    @Test
    void missingTensorPartsNameTheirJsonPath() throws Exception {
        InvalidReleaseException e = rejection(t -> ((ObjectNode) t.at("/signature/outputs/0")).remove("shape"));
        assertThat(e.reason()).isEqualTo(Reason.MISSING_FIELD);
        assertThat(e.field()).isEqualTo("signature.outputs[0].shape");
        assertThat(rejection(t -> ((ObjectNode) t.get("signature")).remove("inputs")).field())
                .isEqualTo("signature.inputs");
    }

    @Test
    void wrongJsonTypesAreInvalidFields() throws Exception {
        assertThat(verdict(t -> t.put("activateAt", "1767225600000")))
                .containsExactly(Reason.INVALID_FIELD, "activateAt", "\"1767225600000\"");
        assertThat(rejection(t -> t.put("sizeBytes", 1.5)).field()).isEqualTo("sizeBytes");
        assertThat(rejection(t -> t.put("model", 7)).field()).isEqualTo("model");
        assertThat(rejection(t -> t.put("canaryPercent", 5_000_000_000L)).field()).isEqualTo("canaryPercent");
        assertThat(rejection(t -> t.put("signature", "x")).field()).isEqualTo("signature");
        assertThat(rejection(t -> ((ObjectNode) t.at("/signature/inputs/0")).put("shape", "[-1,32]")).field())
                .isEqualTo("signature.inputs[0].shape");
    }

    @Test
    void invalidValuesAreInvalidFieldsWithTheValue() throws Exception {
        assertThat(verdict(t -> t.put("canaryPercent", 0))).containsExactly(Reason.INVALID_FIELD, "canaryPercent", "0");
        InvalidReleaseException sha = rejection(t -> t.put("sha256", "deadbeef"));
        assertThat(sha.field()).isEqualTo("sha256");
        assertThat(sha.offendingValue()).isEqualTo("deadbeef");
        InvalidReleaseException dim = rejection(t -> ((ObjectNode) t.at("/signature/inputs/0")).putArray("shape").add(-1).add(-7));
        assertThat(dim.field()).isEqualTo("signature.inputs[0].shape");
        assertThat(dim.offendingValue()).isEqualTo("[-1,-7]");
    }

    @Test
    void activateAtIsoThatDisagreesWithActivateAtIsRejected() throws Exception {
        InvalidReleaseException e = rejection(t -> t.put("activateAtIso", "2026-01-01T00:00:01Z"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD);
        assertThat(e.field()).isEqualTo("activateAtIso");
        assertThat(rejection(t -> t.put("activateAtIso", "yesterday")).offendingValue()).isEqualTo("yesterday");
    }
}

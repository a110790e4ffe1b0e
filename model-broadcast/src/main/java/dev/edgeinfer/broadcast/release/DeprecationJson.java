package dev.edgeinfer.broadcast.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link DeprecationAdvisory} on the control topic (key: its
 * {@link DeprecationAdvisory#advisoryId()}):
 *
 * <pre>{@code
 * {"schema":1,"type":"deprecation","model":"sensor-anomaly","version":"v3","sha256":"3f2a...",
 *  "reason":"NaN scores on flat-lined sensors","effectiveAt":1767225600000,
 *  "publisher":"alice@ml-team","publishedAt":1767225590000,
 *  "signing":{"algorithm":"Ed25519","keyId":"9c1d2e3f4a5b6c7d","signature":"base64..."}}
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The same rules as {@link ModelReleaseJson}: strict parsing,
 * unknown fields ignored, unknown schemas and types refused, every failure an
 * {@link InvalidReleaseException} naming the field and the value; {@code signing} optional.
 */
public final class DeprecationJson {

    /** The only schema version of advisories this build writes and reads. */
    public static final int SCHEMA = 1;
    /** The {@code type} of an advisory message. */
    public static final String TYPE = "deprecation";

    /** The advisory as UTF-8 JSON bytes, fields in a fixed order. */
    public static byte[] toJson(DeprecationAdvisory a) {
        ObjectNode o = JsonFields.newMessage(SCHEMA, TYPE);
        for (String field : new String[] {"model", "version", "sha256", "reason"}) {
            o.put(field, text(a, field));
        }
        o.put("effectiveAt", a.effectiveAt()).put("publisher", a.publisher()).put("publishedAt", a.publishedAt());
        ModelReleaseJson.writeSigning(o, a.signedBy(), a.signatureBase64());
        return JsonFields.write(o);
    }

    private static String text(DeprecationAdvisory a, String field) {
        return switch (field) {
            case "model" -> a.model();
            case "version" -> a.version();
            case "sha256" -> a.sha256();
            default -> a.reason();
        };
    }

    /** @throws InvalidReleaseException if the bytes are not a valid advisory */
    public static DeprecationAdvisory fromJson(byte[] json) {
        ObjectNode o = JsonFields.parseMessage(json, SCHEMA, TYPE);
        String[] signing = ModelReleaseJson.readSigning(o);
        return new DeprecationAdvisory(JsonFields.text(o, "model"), JsonFields.text(o, "version"),
                JsonFields.text(o, "sha256"), JsonFields.text(o, "reason"), JsonFields.longValue(o, "effectiveAt"),
                JsonFields.text(o, "publisher"), JsonFields.longValue(o, "publishedAt"), signing[0], signing[1]);
    }

    /** Whether {@code json} is a message of this type (a cheap look at its {@code type}, no validation). */
    public static boolean isAdvisory(byte[] json) {
        try {
            JsonNode type = JsonFields.MAPPER.readTree(json).get("type");
            return type != null && TYPE.equals(type.asText());
        } catch (java.io.IOException | RuntimeException e) {
            return false; // not JSON: the release parser reports why
        }
    }

    private DeprecationJson() {}
}

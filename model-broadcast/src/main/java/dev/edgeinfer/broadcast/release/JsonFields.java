package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * Strict field readers and writers shared by the JSON codecs; every failure is an
 * {@link InvalidReleaseException} naming the field and the value.
 *
 * <pre>{@code
 * ObjectNode o = JsonFields.parseMessage(bytes, 1, "status");   // header checked
 * String site = JsonFields.text(o, "site");
 * Long boundary = JsonFields.optionalLong(o, "effectiveBoundary");
 * }</pre>
 */
@Internal
public final class JsonFields {

    /**
     * Shared, thread-safe mapper. Duplicate keys and trailing garbage are errors: a message whose
     * meaning depends on which of two "activateAt"s the parser keeps must not be accepted.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFields() {}

    /** A new message object starting with its {@code schema} and {@code type} header. */
    public static ObjectNode newMessage(int schema, String type) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("schema", schema);
        o.put("type", type);
        return o;
    }

    /** Parses a message object and checks its header ({@link #checkHeader}). */
    public static ObjectNode parseMessage(byte[] bytes, int supportedSchema, String expectedType) {
        ObjectNode o = parseObject(bytes);
        checkHeader(o, supportedSchema, expectedType);
        return o;
    }

    public static ObjectNode parseObject(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidReleaseException(Reason.MALFORMED_JSON, null, bytes == null ? null : "",
                    "message is empty; expected a JSON object");
        }
        JsonNode node;
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            node = MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                throw new IOException("trailing content after the JSON object");
            }
        } catch (IOException e) {
            throw new InvalidReleaseException(Reason.MALFORMED_JSON, null, preview(bytes),
                    "message is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new InvalidReleaseException(Reason.MALFORMED_JSON, null, preview(bytes),
                    "message is JSON but not an object: " + InvalidReleaseException.truncate(preview(bytes)));
        }
        return obj;
    }

    /** Parses a message object whose {@code schema} may be any of {@code oldest..newest}. */
    public static ObjectNode parseMessage(byte[] bytes, int oldestSchema, int newestSchema, String expectedType) {
        ObjectNode o = parseObject(bytes);
        checkHeader(o, oldestSchema, newestSchema, expectedType);
        return o;
    }

    public static void checkHeader(ObjectNode obj, int supportedSchema, String expectedType) {
        checkHeader(obj, supportedSchema, supportedSchema, expectedType);
    }

    /** Checks {@code schema} is one of {@code oldest..newest} and {@code type} is {@code expectedType}. */
    public static void checkHeader(ObjectNode obj, int oldestSchema, int newestSchema, String expectedType) {
        JsonNode schema = obj.get("schema");
        if (schema == null || schema.isNull()) {
            throw InvalidReleaseException.missing("schema");
        }
        if (!schema.isIntegralNumber() || !schema.canConvertToInt()) {
            throw InvalidReleaseException.invalid("schema", schema, "must be an integer format version");
        }
        if (schema.intValue() < oldestSchema || schema.intValue() > newestSchema) {
            // Unknown versions are refused, not guessed at: a v2 field we ignore could change meaning.
            String reads = oldestSchema == newestSchema ? "" + newestSchema : oldestSchema + " to " + newestSchema;
            throw new InvalidReleaseException(Reason.UNSUPPORTED_SCHEMA, "schema", schema.toString(),
                    "schema version " + schema + " is not supported (this build reads schema " + reads + ")");
        }
        String type = text(obj, "type");
        if (!expectedType.equals(type)) {
            throw new InvalidReleaseException(Reason.UNSUPPORTED_TYPE, "type", type,
                    "message type '" + type + "' is not supported here (expected '" + expectedType + "')");
        }
    }

    public static JsonNode required(JsonNode obj, String name, String path) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            throw InvalidReleaseException.missing(path);
        }
        return v;
    }

    public static String text(JsonNode obj, String name) {
        return text(obj, name, name);
    }

    public static long longValue(JsonNode obj, String name) {
        return longValue(obj, name, name);
    }

    public static String text(JsonNode obj, String name, String path) {
        return checked(required(obj, name, path), path, JsonNode::isTextual, "must be a JSON string").textValue();
    }

    public static long longValue(JsonNode obj, String name, String path) {
        return checked(required(obj, name, path), path, JsonFields::isLong, "must be an integer (64-bit)").longValue();
    }

    public static int intValue(JsonNode obj, String name) {
        JsonNode v = required(obj, name, name);
        return checked(v, name, n -> n.isIntegralNumber() && n.canConvertToInt(), "must be an integer (32-bit)").intValue();
    }

    /** The text of {@code name}, or {@code null} when it is absent or JSON {@code null}. */
    public static String optionalText(JsonNode obj, String name) {
        return obj.hasNonNull(name)
                ? checked(obj.get(name), name, JsonNode::isTextual, "must be a JSON string or null").textValue()
                : null;
    }

    /** The integer {@code name}, or {@code null} when it is absent or JSON {@code null}. */
    public static Long optionalLong(JsonNode obj, String name) {
        return obj.hasNonNull(name)
                ? checked(obj.get(name), name, JsonFields::isLong, "must be an integer (64-bit) or null").longValue()
                : null;
    }

    private static boolean isLong(JsonNode v) {
        // Strings like "123" and floats like 1.5 are refused: timestamps and sizes must be exact integers.
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    /** {@code v} if it passes {@code ok}, else an {@link InvalidReleaseException} stating {@code rule}. */
    private static JsonNode checked(JsonNode v, String path, Predicate<JsonNode> ok, String rule) {
        if (!ok.test(v)) {
            throw InvalidReleaseException.invalid(path, v, rule);
        }
        return v;
    }

    public static String preview(byte[] bytes) {
        int n = Math.min(bytes.length, InvalidReleaseException.MAX_VALUE_CHARS);
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static byte[] write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            // A tree of strings and numbers always serialises; reaching this is a bug.
            throw new IllegalStateException("cannot serialise JSON tree", e);
        }
    }
}

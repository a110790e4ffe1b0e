package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.control.ControlDeserializer;
import dev.edgeinfer.broadcast.control.ControlMessage;

import java.util.Objects;

/**
 * A release (or a control-topic record that claims to be one) that cannot be accepted, with a
 * machine-readable {@link Reason}, the field at fault and the offending value.
 *
 * <p>Thrown by the {@link ModelRelease} / {@link TensorSpec} / {@link ModelSignature}
 * constructors and by {@link ModelReleaseJson#fromJson(byte[])}. It is <em>unchecked</em> (it
 * extends {@link IllegalArgumentException}) because the same type guards both code that builds
 * releases in Java, where a bad value is a programming error, and code that parses untrusted
 * bytes, which must catch it explicitly — as {@link ControlDeserializer} does, turning it into a
 * {@link ControlMessage.Rejected} instead of failing the job.
 *
 * <pre>{@code
 * try {
 *     ModelRelease r = ModelReleaseJson.fromJson(bytes);
 * } catch (InvalidReleaseException e) {
 *     report(e.reason(), e.field(), e.offendingValue());
 * }
 * }</pre>
 */
public class InvalidReleaseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Longest offending value kept, so a multi-megabyte garbage record does not end up in a log line. */
    public static final int MAX_VALUE_CHARS = 256;

    /** Why a release was refused; stable names, safe to match on and to publish on the status topic. */
    public enum Reason {
        /** The bytes are not a JSON object (or are empty). */
        MALFORMED_JSON,
        /** The {@code schema} field names a format version this code does not know. */
        UNSUPPORTED_SCHEMA,
        /** The {@code type} field names a message kind this code does not know. */
        UNSUPPORTED_TYPE,
        /** A required field is absent or JSON {@code null}. */
        MISSING_FIELD,
        /** A field is present but has the wrong JSON type or an invalid value. */
        INVALID_FIELD,
        /** The control-topic record key is not the release's {@link ModelRelease#releaseId()}. */
        KEY_MISMATCH
    }

    private final Reason reason;
    private final String field;
    private final String offendingValue;

    /**
     * @param reason why
     * @param field the field at fault in JSON dot/bracket notation (e.g. {@code signature.inputs[0].shape}),
     *     or {@code null} when the whole message is at fault
     * @param offendingValue the value at fault as text (truncated), or {@code null} when absent
     * @param message human-readable explanation
     */
    public InvalidReleaseException(Reason reason, String field, String offendingValue, String message) {
        this(reason, field, offendingValue, message, null);
    }

    public InvalidReleaseException(
            Reason reason, String field, String offendingValue, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.field = field;
        this.offendingValue = truncate(offendingValue);
    }

    public static InvalidReleaseException invalid(String field, Object value, String why) {
        String text = String.valueOf(value);
        return new InvalidReleaseException(
                Reason.INVALID_FIELD, field, text, field + " " + why + ", got '" + truncate(text) + "'");
    }

    public static InvalidReleaseException missing(String field) {
        return new InvalidReleaseException(
                Reason.MISSING_FIELD, field, null, "required field '" + field + "' is missing or null");
    }

    public static String truncate(String s) {
        if (s == null || s.length() <= MAX_VALUE_CHARS) {
            return s;
        }
        return s.substring(0, MAX_VALUE_CHARS) + "...(" + s.length() + " chars)";
    }

    /** The machine-readable reason. */
    public Reason reason() {
        return reason;
    }

    /** The field at fault ({@code signature.inputs[0].shape}), or {@code null} for the whole message. */
    public String field() {
        return field;
    }

    /** The offending value as text, truncated to a few hundred characters; {@code null} if absent. */
    public String offendingValue() {
        return offendingValue;
    }
}

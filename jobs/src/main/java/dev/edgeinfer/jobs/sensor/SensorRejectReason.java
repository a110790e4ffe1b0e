package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.kafka.DeadLetterReason;
/**
 * Why an input record went to the dead-letter topic. The name is the machine-readable reason
 * written in the {@code edgeinfer.reason} header; the detail header says what exactly was wrong.
 */
public enum SensorRejectReason implements DeadLetterReason {
    /** The record has no value (null or zero bytes). */
    EMPTY_RECORD,
    /** The value is larger than the configured maximum record size. */
    OVERSIZED_RECORD,
    /** The value is not well-formed JSON (or not UTF-8). */
    MALFORMED_JSON,
    /** The JSON is not an object {@code {deviceId, ts, values}}. */
    NOT_AN_OBJECT,
    /** A required field is missing or null. */
    MISSING_FIELD,
    /** A field has the wrong type (e.g. a string where a number belongs). */
    WRONG_TYPE,
    /** {@code values} does not have one entry per configured channel. */
    WRONG_VECTOR_LENGTH,
    /** A value is NaN or infinite (or outside float range). */
    NON_FINITE_VALUE,
    /** {@code ts} is outside the plausible range (before 2000 or too far in the future). */
    TIMESTAMP_OUT_OF_RANGE,
    /** {@code deviceId} is blank or too long. */
    INVALID_DEVICE_ID
}

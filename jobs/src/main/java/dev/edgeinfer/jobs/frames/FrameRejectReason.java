package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.DeadLetterReason;

/**
 * Why a frame went to the dead-letter topic. The name is the machine-readable reason written in
 * the {@code edgeinfer.reason} header; the detail header says what exactly was wrong.
 */
public enum FrameRejectReason implements DeadLetterReason {
    /** The record has no value (null or zero bytes). */
    EMPTY_RECORD,
    /** The value is larger than {@code record.max-bytes}. */
    OVERSIZED_RECORD,
    /** The key (cameraId) is missing, blank, too long or not UTF-8. */
    INVALID_CAMERA_ID,
    /** A required header ({@code ts}, {@code format}, {@code width}, {@code height}) is missing. */
    MISSING_HEADER,
    /** A header is not what it must be: a number, or {@code jpeg}/{@code rgb} for the format. */
    INVALID_HEADER,
    /** {@code ts} is before 2000 or too far in the future. */
    TIMESTAMP_OUT_OF_RANGE,
    /** {@code width} or {@code height} is below 1 or above the configured maximum. */
    DIMENSIONS_OUT_OF_RANGE,
    /** The decoded size (or, for raw RGB, the byte count) differs from the {@code width}/{@code height} headers. */
    SIZE_MISMATCH,
    /** The bytes are not a decodable JPEG (corrupt, truncated, unsupported colour model). */
    UNDECODABLE
}

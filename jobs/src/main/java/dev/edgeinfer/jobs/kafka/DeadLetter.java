package dev.edgeinfer.jobs.kafka;

/**
 * A rejected input record and why: the original key and value bytes, untouched, plus a
 * machine-readable reason, a human-readable detail and where the record came from.
 *
 * @param original the record as it arrived
 * @param reason why it was rejected (a {@code SensorRejectReason}, or another job's reason enum)
 * @param detail what exactly was wrong, e.g. "values has 3 entries, expected 4"
 */
public record DeadLetter(RawRecord original, DeadLetterReason reason, String detail) {}

package dev.edgeinfer.jobs.kafka;

/**
 * A Kafka record exactly as it arrived: the bytes are kept so a rejected record reaches the
 * dead-letter topic unchanged.
 *
 * @param key the record key, or {@code null}
 * @param value the record value, or {@code null} (a tombstone)
 * @param topic source topic
 * @param partition source partition
 * @param offset source offset
 * @param timestamp the Kafka record timestamp (epoch ms)
 */
public record RawRecord(byte[] key, byte[] value, String topic, int partition, long offset, long timestamp) {}

package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.RawRecord;

/**
 * A frame record exactly as it arrived: key, value and position, plus the raw values of the
 * frame headers (each {@code null} when absent), so a rejected frame reaches the dead-letter
 * topic unchanged.
 *
 * @param record key, value, topic, partition, offset and Kafka timestamp
 * @param ts the {@code ts} header
 * @param format the {@code format} header
 * @param width the {@code width} header
 * @param height the {@code height} header
 */
public record RawFrame(RawRecord record, byte[] ts, byte[] format, byte[] width, byte[] height) {

    public static final String TS_HEADER = "ts";
    public static final String FORMAT_HEADER = "format";
    public static final String WIDTH_HEADER = "width";
    public static final String HEIGHT_HEADER = "height";
    /** The values of the {@code format} header the frame job decodes: JPEG, or raw interleaved RGB. */
    public static final java.util.List<String> FORMATS = java.util.List.of("jpeg", "rgb");
}

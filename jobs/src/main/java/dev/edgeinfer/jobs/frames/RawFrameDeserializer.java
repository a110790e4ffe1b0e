package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.RawRecord;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Keeps frame records as bytes (decoding happens in {@link DecodeFrames}, which dead-letters
 * instead of failing the source), with the frame headers' raw values.
 */
public final class RawFrameDeserializer implements KafkaRecordDeserializationSchema<RawFrame> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawFrame> out) {
        Headers headers = record.headers();
        out.collect(new RawFrame(
                new RawRecord(record.key(), record.value(), record.topic(), record.partition(), record.offset(),
                        record.timestamp()),
                last(headers, RawFrame.TS_HEADER),
                last(headers, RawFrame.FORMAT_HEADER),
                last(headers, RawFrame.WIDTH_HEADER),
                last(headers, RawFrame.HEIGHT_HEADER)));
    }

    private static byte[] last(Headers headers, String key) {
        Header header = headers.lastHeader(key);
        return header == null ? null : header.value();
    }

    @Override
    public TypeInformation<RawFrame> getProducedType() {
        return TypeInformation.of(RawFrame.class);
    }
}

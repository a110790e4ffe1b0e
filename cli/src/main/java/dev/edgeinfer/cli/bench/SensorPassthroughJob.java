package dev.edgeinfer.cli.bench;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.sensor.ParseReadings;
import dev.edgeinfer.jobs.sensor.RawRecord;
import dev.edgeinfer.jobs.sensor.RawRecordDeserializer;
import dev.edgeinfer.jobs.sensor.SensorReading;
import dev.edgeinfer.jobs.sensor.SensorReadingParser;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * The sensor pipeline minus inference, the plumbing's floor: the same Kafka source, the same
 * parse-and-validate step, a Kafka sink with the same producer settings, the same parallelism,
 * buffer timeout and checkpointing. Each valid reading is written back as
 * {@code {"deviceId":..., "ts":...}} keyed by device. No windows, no model.
 */
public final class SensorPassthroughJob {

    private SensorPassthroughJob() {}

    public static void build(StreamExecutionEnvironment env, SensorJobConfig config) {
        env.setParallelism(config.parallelism());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.AT_LEAST_ONCE);
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.readingsTopic())
                .setGroupId(config.groupId())
                .setClientIdPrefix(config.groupId() + "-" + config.siteId())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "true")
                .build();
        KafkaSink<SensorReading> sink = KafkaSink.<SensorReading>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new ReadingEcho(config.resultsTopic()))
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "readings-source")
                .uid("kafka-source-readings")
                .process(new ParseReadings(new SensorReadingParser(
                        config.channels(), config.maxRecordBytes(), config.maxFutureSkew())))
                .uid("parse-readings")
                .name("parse and validate readings")
                .sinkTo(sink)
                .uid("kafka-sink-passthrough")
                .name("pass-through");
    }

    /** Writes {@code {"deviceId":"dev-0001","ts":1764280001500}} keyed by device. */
    static final class ReadingEcho implements KafkaRecordSerializationSchema<SensorReading> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = JsonMapper.builder().build();
        private final String topic;

        ReadingEcho(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(SensorReading r, KafkaSinkContext context, Long timestamp) {
            ObjectNode node = JSON.createObjectNode().put("deviceId", r.deviceId()).put("ts", r.ts());
            byte[] value;
            try {
                value = JSON.writeValueAsBytes(node);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return new ProducerRecord<>(topic, r.deviceId().getBytes(StandardCharsets.UTF_8), value);
        }
    }
}

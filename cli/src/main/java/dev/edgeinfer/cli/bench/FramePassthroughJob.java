package dev.edgeinfer.cli.bench;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.frames.DecodeFrames;
import dev.edgeinfer.jobs.frames.RawFrame;
import dev.edgeinfer.jobs.frames.RawFrameDeserializer;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.operators.frames.Frame;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * The frame pipeline minus inference, the plumbing's floor: the frame job's Kafka source (same
 * deserializer and fetch settings), the same validate-and-decode step (JPEG decoding included),
 * a Kafka sink with the job's producer settings, the same parallelism, buffer timeout and
 * checkpointing. Each decoded frame is written back as {@code {"deviceId":..., "ts":...}} (camera
 * and frame time) keyed by camera. No watermarks, no model; rejected frames are not written.
 */
public final class FramePassthroughJob {

    private FramePassthroughJob() {}

    public static void build(StreamExecutionEnvironment env, FrameJobConfig config) {
        env.setParallelism(config.parallelism());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        env.enableCheckpointing(config.checkpointInterval().toMillis(),
                config.deliveryGuarantee() == SensorJobOptions.DeliveryGuarantee.EXACTLY_ONCE
                        ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
        KafkaSource<RawFrame> source = KafkaSource.<RawFrame>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.framesTopic())
                .setGroupId(config.groupId())
                .setClientIdPrefix(config.groupId() + "-" + config.siteId())
                .setStartingOffsets(SensorAnomalyJob.startingOffsets(config.startingOffsets()))
                .setDeserializer(new RawFrameDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("max.partition.fetch.bytes", String.valueOf(Math.max(1 << 20, config.maxRecordBytes() + 4096)))
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames-source")
                .uid("kafka-source-frames")
                .process(new DecodeFrames(config.maxRecordBytes(), config.maxWidth(), config.maxHeight(),
                        config.maxFutureSkew()))
                .uid("decode-frames")
                .name("decode and validate frames")
                .sinkTo(SensorAnomalyJob.sink(config, new FrameEcho(config.resultsTopic()), "passthrough"))
                .uid("kafka-sink-passthrough")
                .name("pass-through");
    }

    /** Writes {@code {"deviceId":"dev-0001","ts":1764280001500}} keyed by camera. */
    static final class FrameEcho implements KafkaRecordSerializationSchema<Frame> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = JsonMapper.builder().build();
        private final String topic;

        FrameEcho(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Frame f, KafkaSinkContext context, Long timestamp) {
            ObjectNode node = JSON.createObjectNode().put("deviceId", f.cameraId()).put("ts", f.ts());
            byte[] value;
            try {
                value = JSON.writeValueAsBytes(node);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return new ProducerRecord<>(topic, f.cameraId().getBytes(StandardCharsets.UTF_8), value);
        }
    }
}

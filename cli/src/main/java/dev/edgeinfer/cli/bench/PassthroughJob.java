package dev.edgeinfer.cli.bench;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.KafkaJobConfig;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.frames.DecodeFrames;
import dev.edgeinfer.jobs.frames.FrameClassificationJob;
import dev.edgeinfer.jobs.kafka.JobKafka;
import dev.edgeinfer.jobs.kafka.JsonRecordSerializer;
import dev.edgeinfer.jobs.sensor.ParseReadings;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.jobs.sensor.SensorReading;
import dev.edgeinfer.jobs.sensor.SensorReadingParser;
import dev.edgeinfer.operators.frames.Frame;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * A job's pipeline minus inference, the plumbing's floor: the job's own Kafka source, its
 * validate step (parsing readings, or decoding frames, JPEG included), a Kafka sink with the
 * job's producer settings, the same parallelism, buffer timeout and checkpointing. Each valid
 * input is written back as {@code {"deviceId":..., "ts":...}} (device or camera, and event time)
 * keyed by device or camera. No watermarks, no windows, no model; rejected inputs are not written.
 */
final class PassthroughJob {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private PassthroughJob() {}

    /** The sensor job's source and parse step. */
    static void sensor(StreamExecutionEnvironment env, SensorJobConfig config) {
        JobKafka.configure(env, config);
        DataStream<SensorReading> readings =
                env.fromSource(SensorAnomalyJob.source(config), WatermarkStrategy.noWatermarks(), "readings-source")
                        .uid("kafka-source-readings")
                        .process(new ParseReadings(new SensorReadingParser(
                                config.channels(), config.maxRecordBytes(), config.maxFutureSkew())))
                        .uid("parse-readings")
                        .name("parse and validate readings");
        sinkEchoes(readings, config, readingEchoes(config.resultsTopic()));
    }

    /** The frame job's source (same fetch settings) and decode step. */
    static void frames(StreamExecutionEnvironment env, FrameJobConfig config) {
        JobKafka.configure(env, config);
        DataStream<Frame> frames =
                env.fromSource(FrameClassificationJob.source(config), WatermarkStrategy.noWatermarks(), "frames-source")
                        .uid("kafka-source-frames")
                        .process(new DecodeFrames(config.maxRecordBytes(), config.maxWidth(), config.maxHeight(),
                                config.maxFutureSkew()))
                        .uid("decode-frames")
                        .name("decode and validate frames");
        sinkEchoes(frames, config, frameEchoes(config.resultsTopic()));
    }

    /** Each valid reading as its device and time, keyed by device. */
    static JsonRecordSerializer<SensorReading> readingEchoes(String topic) {
        return JsonRecordSerializer.of(topic, SensorReading::deviceId, r -> echo(r.deviceId(), r.ts()));
    }

    /** Each decoded frame as its camera and time, keyed by camera. */
    static JsonRecordSerializer<Frame> frameEchoes(String topic) {
        return JsonRecordSerializer.of(topic, Frame::cameraId, f -> echo(f.cameraId(), f.ts()));
    }

    /** Reads back what either pass-through wrote: key and event time, no sequence, no version. */
    static BenchScenario.Output decode(ConsumerRecord<byte[], byte[]> record) throws IOException {
        JsonNode node = JSON.readTree(record.value());
        return new BenchScenario.Output(node.get("deviceId").asText(), -1, node.get("ts").asLong(), null);
    }

    private static <T> void sinkEchoes(DataStream<T> valid, KafkaJobConfig config, JsonRecordSerializer<T> serializer) {
        valid.sinkTo(JobKafka.primedSink(config, serializer, "passthrough", serializer.topic()))
                .uid("kafka-sink-passthrough")
                .name("pass-through");
    }

    /** {@code {"deviceId":"dev-0001","ts":1764280001500}}. */
    private static byte[] echo(String key, long ts) {
        try {
            return JSON.writeValueAsBytes(JSON.createObjectNode().put("deviceId", key).put("ts", ts));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

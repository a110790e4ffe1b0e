package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.InvalidConfigurationException;
import dev.edgeinfer.jobs.kafka.JobKafka;
import dev.edgeinfer.jobs.kafka.JsonRecordSerializer;
import dev.edgeinfer.jobs.kafka.WarmSerializer;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.FrameAdapter;
import dev.edgeinfer.operators.frames.ImageModelMetadata;
import dev.edgeinfer.operators.frames.TopK;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The frame classification job: frames from Kafka, validated and decoded (bad ones
 * dead-lettered), event-time watermarks, versioned ONNX image classification (model releases
 * arrive on the control topic and roll over in flight), top-k results back to Kafka.
 *
 * <pre>
 * KafkaSource(edge.video.frames) -> decode/validate --dead letters--> KafkaSink(edge.inference.deadletter)
 *   -> watermarks -> versioned ONNX inference <--broadcast-- KafkaSource(edge.models.control)
 *   -> KafkaSink(edge.inference.results);  status side output -> KafkaSink(edge.models.status)
 * </pre>
 *
 * <p>Operator uids: {@code kafka-source-frames}, {@code decode-frames},
 * {@code event-time-watermarks}, {@code kafka-source-control}, {@code onnx-inference},
 * {@code kafka-sink-results}, {@code kafka-sink-deadletter}, {@code kafka-sink-status}. The
 * model's input size comes from its signature, its normalisation and labels from its release's
 * metadata ({@link ImageModelMetadata}), so any {@code [N,3,H,W] -> [N,C]} classifier can be
 * published to a running job.
 */
public final class FrameClassificationJob {

    public static final String JOB_NAME = "edgeinfer-frame-classification";

    /** Release metadata keys taken from an initial model's ONNX {@code metadata_props}. */
    static final Set<String> IMAGE_KEYS = Set.of(ImageModelMetadata.MEAN, ImageModelMetadata.STD,
            ImageModelMetadata.LABELS, ImageModelMetadata.RESIZE, ImageModelMetadata.SOFTMAX);

    private FrameClassificationJob() {}

    /** Entry point for {@code flink run}: {@code --kafka.bootstrap-servers host:9092 ...}. */
    public static void main(String[] args) throws Exception {
        Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
        FrameJobConfig config = FrameJobConfig.from(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(JOB_NAME);
    }

    /** Configures {@code env} (parallelism, checkpointing, latency) and adds the job's graph to it. */
    public static void build(StreamExecutionEnvironment env, FrameJobConfig config) {
        build(env, config, JobKafka.modelFetcher(config));
    }

    /** As {@link #build(StreamExecutionEnvironment, FrameJobConfig)}, fetching model bytes with {@code fetcher}. */
    public static void build(StreamExecutionEnvironment env, FrameJobConfig config, ModelFetcher fetcher) {
        JobKafka.configure(env, config);
        KafkaSource<RawFrame> source = source(config);

        SingleOutputStreamOperator<Frame> frames =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames-source")
                        .uid("kafka-source-frames")
                        .process(new DecodeFrames(config.maxRecordBytes(), config.maxWidth(), config.maxHeight(),
                                config.maxFutureSkew(), config.warmupMaxTime()))
                        .uid("decode-frames")
                        .name("decode and validate frames");

        JobKafka.sinkDeadLetters(frames.getSideOutput(DecodeFrames.DEAD_LETTERS), config,
                WarmSerializer.of(new FrameDeadLetterSerializer(config.deadLetterTopic()), config.deadLetterTopic(),
                        FrameWarmup::deadLetter, config.warmupMaxTime()));

        DataStream<Frame> timed = frames.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Frame>forBoundedOutOfOrderness(config.maxOutOfOrderness())
                                .withTimestampAssigner((frame, previous) -> frame.ts())
                                .withIdleness(config.watermarkIdleness()))
                .uid("event-time-watermarks")
                .name("event-time watermarks");

        String site = config.siteId();
        VersionedInference.Builder<Frame, TopK, FrameResult> inference =
                VersionedInference.<Frame, TopK, FrameResult>builder()
                        .setAdapter(new FrameAdapter(config.topK(), config.resize()))
                        .setEventTime(Frame::ts)
                        .setRoutingKey(Frame::cameraId)
                        .setResultBuilder((frame, top, model, nanos) -> FrameResult.of(frame, top, model, site))
                        .setPredictionSummary(TopK.summary())
                        .setResultType(FrameResult.class);
        JobKafka.configureInference(inference, config, fetcher, JOB_NAME);
        if (config.model() != null) {
            inference.addInitialRelease(initialRelease(config));
        }
        JobKafka.sinkOutputs(inference.build().apply(timed, JobKafka.controlStream(env, config)), config,
                WarmSerializer.of(
                        JsonRecordSerializer.of(config.resultsTopic(), FrameResult::cameraId, FrameResultJson::toJson),
                        config.resultsTopic(), FrameWarmup::result, config.warmupMaxTime()));
    }

    /**
     * The frames source: the shared Kafka source settings, with fetches big enough for the
     * largest frame accepted (a fetch smaller than one record would stall the partition).
     */
    public static KafkaSource<RawFrame> source(FrameJobConfig config) {
        return JobKafka.source(config, config.framesTopic(), new RawFrameDeserializer())
                .setProperty("max.partition.fetch.bytes", String.valueOf(Math.max(1 << 20, config.maxRecordBytes() + 4096)))
                .build();
    }

    /**
     * The configured model as a release active since the beginning of time, with the image
     * metadata ({@code image.mean}, {@code image.std}, {@code labels}, ...) its ONNX file carries
     * in {@code metadata_props}. Fixed publication time, so every submission describes the same release.
     */
    static ModelRelease initialRelease(FrameJobConfig config) {
        try {
            Map<String, String> metadata = new TreeMap<>(ReleaseFactory.onnxMetadata(config.modelPath()));
            metadata.keySet().retainAll(IMAGE_KEYS);
            return ReleaseFactory.fromFile(config.modelName(), config.model().version(), config.modelPath(),
                    0L, 100, "job-config", 0L, metadata);
        } catch (IOException e) {
            throw new InvalidConfigurationException(FrameJobOptions.MODEL_PATH.key(), e.getMessage(), e);
        }
    }
}

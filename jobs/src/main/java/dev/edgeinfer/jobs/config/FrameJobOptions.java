package dev.edgeinfer.jobs.config;

import dev.edgeinfer.operators.frames.FrameTensor;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * Every setting of the frame classification job. Settings every job shares are the
 * {@link KafkaJobOptions} declarations (same key, same meaning); the rest are declared here.
 * {@link FrameJobConfig} reads and validates them; the README's frame configuration table is
 * generated from these declarations ({@code ./edgeinfer config-docs --frames}).
 */
public final class FrameJobOptions {

    private FrameJobOptions() {}

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("kafka.group-id")
                    .stringType()
                    .defaultValue("edgeinfer-frames")
                    .withDescription("Consumer group id of the frames source (offsets are committed on checkpoints).");

    public static final ConfigOption<KafkaJobOptions.StartingOffsets> STARTING_OFFSETS =
            ConfigOptions.key("kafka.starting-offsets")
                    .enumType(KafkaJobOptions.StartingOffsets.class)
                    .defaultValue(KafkaJobOptions.StartingOffsets.COMMITTED)
                    .withDescription("Where to start reading frames: EARLIEST, LATEST, or COMMITTED (group offsets, earliest for a new group).");

    public static final ConfigOption<String> FRAMES_TOPIC =
            ConfigOptions.key("topic.frames")
                    .stringType()
                    .defaultValue("edge.video.frames")
                    .withDescription("Input topic: frame bytes (JPEG or raw RGB) keyed by cameraId, with headers ts, format (jpeg|rgb), width and height.");

    public static final ConfigOption<String> RESULTS_TOPIC =
            ConfigOptions.key("topic.results")
                    .stringType()
                    .defaultValue("edge.inference.results")
                    .withDescription("Output topic for classified frames (JSON with top-k labels and lineage, keyed by cameraId).");

    public static final ConfigOption<String> DEADLETTER_TOPIC =
            ConfigOptions.key("topic.deadletter")
                    .stringType()
                    .defaultValue("edge.inference.deadletter")
                    .withDescription("Rejected frames: original key, bytes and frame headers, reason in the edgeinfer.reason header.");

    public static final ConfigOption<Integer> TOP_K =
            ConfigOptions.key("frames.top-k")
                    .intType()
                    .defaultValue(3)
                    .withDescription("Classes reported per frame, best first (capped at the model's class count).");

    public static final ConfigOption<FrameTensor.Resize> RESIZE =
            ConfigOptions.key("frames.resize")
                    .enumType(FrameTensor.Resize.class)
                    .defaultValue(FrameTensor.Resize.AREA)
                    .withDescription("How frames are resized to the model's input: AREA (mean of the covered pixels when shrinking, bilinear when growing) or BILINEAR. A release's image.resize metadata overrides it.");

    public static final ConfigOption<Integer> MAX_WIDTH =
            ConfigOptions.key("frames.max-width")
                    .intType()
                    .defaultValue(4096)
                    .withDescription("Frames wider than this (width header) are dead-lettered as DIMENSIONS_OUT_OF_RANGE before decoding.");

    public static final ConfigOption<Integer> MAX_HEIGHT =
            ConfigOptions.key("frames.max-height")
                    .intType()
                    .defaultValue(4096)
                    .withDescription("Frames taller than this (height header) are dead-lettered as DIMENSIONS_OUT_OF_RANGE before decoding.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            ConfigOptions.key("record.max-bytes")
                    .intType()
                    .defaultValue(8 * 1024 * 1024)
                    .withDescription("Frames larger than this are dead-lettered as OVERSIZED_RECORD (the topic's max.message.bytes must allow them too).");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("exactly-once.transactional-id-prefix")
                    .stringType()
                    .defaultValue("edgeinfer-frames")
                    .withDescription("Prefix of Kafka transactional ids (EXACTLY_ONCE); unique per job on a cluster.");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS =
            ConfigOptions.key("watermark.max-out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("How far behind the newest frame time a frame may arrive before it counts as late.");

    public static final ConfigOption<Duration> MAX_FUTURE_SKEW =
            ConfigOptions.key("record.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription("Frames whose ts header is further ahead of the job's clock are dead-lettered as TIMESTAMP_OUT_OF_RANGE.");

    public static final ConfigOption<String> MODEL_NAME =
            ConfigOptions.key("model.name")
                    .stringType()
                    .defaultValue("frame-classifier")
                    .withDescription("Name of the image classifier served (lineage in every result).");

    public static final ConfigOption<String> MODEL_PATH =
            ConfigOptions.key("model.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Local path of the initial model's ONNX file, readable on every TaskManager. Required with model.version. Its normalisation and labels are read from the file's metadata_props (image.mean, image.std, labels, ...).");

    /** The shared options ({@link KafkaJobOptions}), then this job's own, each in declaration order (docs, unknown-key checks). */
    public static List<ConfigOption<?>> all() {
        return JobConfigReader.declaredOptions(KafkaJobOptions.class, FrameJobOptions.class);
    }
}

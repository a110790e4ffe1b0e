package dev.edgeinfer.jobs.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * Every setting of the sensor anomaly job, declared once with key, type, default and
 * description; the settings every job shares are {@link KafkaJobOptions}' declarations. {@link SensorJobConfig} reads and validates them; the README's configuration
 * table is generated from these declarations ({@code ./edgeinfer config-docs}) and a test keeps
 * the two in sync.
 */
public final class SensorJobOptions {

    private SensorJobOptions() {}

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("kafka.group-id")
                    .stringType()
                    .defaultValue("edgeinfer-sensor")
                    .withDescription("Consumer group id of the readings source (offsets are committed on checkpoints).");

    public static final ConfigOption<KafkaJobOptions.StartingOffsets> STARTING_OFFSETS =
            ConfigOptions.key("kafka.starting-offsets")
                    .enumType(KafkaJobOptions.StartingOffsets.class)
                    .defaultValue(KafkaJobOptions.StartingOffsets.COMMITTED)
                    .withDescription("Where to start reading readings: EARLIEST, LATEST, or COMMITTED (group offsets, earliest for a new group).");

    public static final ConfigOption<String> READINGS_TOPIC =
            ConfigOptions.key("topic.readings")
                    .stringType()
                    .defaultValue("edge.sensor.readings")
                    .withDescription("Input topic: JSON {deviceId, ts, values[]} keyed by deviceId.");

    public static final ConfigOption<String> RESULTS_TOPIC =
            ConfigOptions.key("topic.results")
                    .stringType()
                    .defaultValue("edge.inference.results")
                    .withDescription("Output topic for scored windows (JSON, keyed by deviceId).");

    public static final ConfigOption<String> DEADLETTER_TOPIC =
            ConfigOptions.key("topic.deadletter")
                    .stringType()
                    .defaultValue("edge.inference.deadletter")
                    .withDescription("Rejected input records: original key and bytes, reason in the edgeinfer.reason header.");

    public static final ConfigOption<Integer> CHANNELS =
            ConfigOptions.key("sensor.channels")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Values per reading; readings with another count are dead-lettered.");

    public static final ConfigOption<Integer> WINDOW_SIZE =
            ConfigOptions.key("window.size")
                    .intType()
                    .defaultValue(16)
                    .withDescription("Readings per sliding count window (per device). Must match the model.");

    public static final ConfigOption<Integer> WINDOW_SLIDE =
            ConfigOptions.key("window.slide")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Readings between the starts of consecutive windows (1..window.size).");

    public static final ConfigOption<Double> ANOMALY_THRESHOLD =
            ConfigOptions.key("anomaly.threshold")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription("Score at or above which a window is flagged as an anomaly (0..1).");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("exactly-once.transactional-id-prefix")
                    .stringType()
                    .defaultValue("edgeinfer-sensor")
                    .withDescription("Prefix of Kafka transactional ids (EXACTLY_ONCE); unique per job on a cluster.");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS =
            ConfigOptions.key("watermark.max-out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("How far behind the newest event time a reading may arrive before it counts as late.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            ConfigOptions.key("record.max-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription("Readings larger than this are dead-lettered as OVERSIZED_RECORD.");

    public static final ConfigOption<Duration> MAX_FUTURE_SKEW =
            ConfigOptions.key("record.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription("Readings with ts further ahead of the job's clock are dead-lettered as TIMESTAMP_OUT_OF_RANGE.");

    public static final ConfigOption<String> MODEL_NAME =
            ConfigOptions.key("model.name")
                    .stringType()
                    .defaultValue("sensor-anomaly")
                    .withDescription("Name of the model served (lineage in every result).");

    public static final ConfigOption<String> MODEL_PATH =
            ConfigOptions.key("model.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Local path of the initial model's ONNX file, readable on every TaskManager. Required with model.version.");

    /** The shared options ({@link KafkaJobOptions}), then this job's own, each in declaration order (docs, unknown-key checks). */
    public static List<ConfigOption<?>> all() {
        return JobConfigReader.declaredOptions(KafkaJobOptions.class, SensorJobOptions.class);
    }
}

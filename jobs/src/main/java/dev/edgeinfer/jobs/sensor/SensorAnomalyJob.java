package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.SensorJobOptions.StartingOffsets;
import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.fetch.HttpModelFetcher;
import dev.edgeinfer.broadcast.fetch.KafkaBlobFetcher;
import dev.edgeinfer.broadcast.fetch.SchemeModelFetcher;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.jobs.config.InvalidConfigurationException;
import dev.edgeinfer.jobs.config.KafkaJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Duration;

/**
 * The sensor anomaly job: readings from Kafka, validated (bad ones dead-lettered), event-time
 * watermarks, sliding count windows per device, versioned ONNX scoring (model releases arrive on
 * the control topic and roll over in flight), results back to Kafka.
 *
 * <pre>
 * KafkaSource(edge.sensor.readings) -> parse/validate --dead letters--> KafkaSink(edge.inference.deadletter)
 *   -> watermarks -> keyBy(deviceId) -> sliding count windows
 *   -> versioned ONNX inference <--broadcast-- KafkaSource(edge.models.control)
 *   -> KafkaSink(edge.inference.results);  status side output -> KafkaSink(edge.models.status)
 * </pre>
 *
 * <p>Every operator has a stable uid so savepoints survive code changes. Runs under
 * {@code flink run} with {@code --key value} arguments (the keys of {@code SensorJobOptions}),
 * or locally through the {@code edgeinfer run} and {@code edgeinfer demo} commands.
 */
public final class SensorAnomalyJob {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SensorAnomalyJob.class);

    public static final String JOB_NAME = "edgeinfer-sensor-anomaly";

    private SensorAnomalyJob() {}

    /** Entry point for {@code flink run}: {@code --kafka.bootstrap-servers host:9092 --model.version v1 ...}. */
    public static void main(String[] args) throws Exception {
        Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
        SensorJobConfig config = SensorJobConfig.from(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(JOB_NAME);
    }

    /** Configures {@code env} (parallelism, checkpointing, latency) and adds the job's graph to it. */
    public static void build(StreamExecutionEnvironment env, SensorJobConfig config) {
        build(env, config, modelFetcher(config));
    }

    /**
     * Model sources as configured: {@code file:} under {@code model.files-root} (if any),
     * {@code http(s):} with the size and time limits, and {@code kafka-blob:} from the blobs topic
     * on the job's own Kafka. Anything else is rejected as an unknown scheme.
     */
    public static ModelFetcher modelFetcher(KafkaJobConfig config) {
        Path downloads = config.modelCacheDir().resolve("downloads");
        SchemeModelFetcher.Builder fetchers = SchemeModelFetcher.builder()
                .http(new HttpModelFetcher(downloads, config.maxModelBytes(), Duration.ofSeconds(10), config.httpTimeout()))
                .kafkaBlob(new KafkaBlobFetcher(config.bootstrapServers(), config.blobsTopic(), downloads,
                        config.maxModelBytes(), config.httpTimeout()));
        if (config.modelsRoot() != null) {
            fetchers.file(config.modelsRoot());
        }
        return fetchers.build();
    }

    /** The configured trusted keys; warns loudly when there are none. */
    public static TrustedKeys trustedKeys(KafkaJobConfig config) {
        if (config.trustedKeys().isEmpty()) {
            LOG.warn("*** No trusted keys configured ({}): model releases are NOT signature-checked, so anyone who can "
                    + "write to {} can deploy a model to this job. Configure Ed25519 public keys to require signed releases. ***",
                    SensorJobOptions.TRUSTED_KEYS.key(), config.controlTopic());
            return TrustedKeys.none();
        }
        TrustedKeys keys = TrustedKeys.none();
        try {
            for (Path path : config.trustedKeys()) {
                keys = keys.union(Files.isDirectory(path) ? TrustedKeys.fromDirectory(path) : TrustedKeys.fromFiles(path));
            }
        } catch (IOException e) {
            throw new InvalidConfigurationException(SensorJobOptions.TRUSTED_KEYS.key(), e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new InvalidConfigurationException(SensorJobOptions.TRUSTED_KEYS.key(),
                    "no public key found in " + config.trustedKeys());
        }
        return keys;
    }

    /** As {@link #build(StreamExecutionEnvironment, SensorJobConfig)}, fetching model bytes with {@code fetcher}. */
    public static void build(StreamExecutionEnvironment env, SensorJobConfig config, ModelFetcher fetcher) {
        env.setParallelism(config.parallelism());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        CheckpointingMode mode =
                config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE
                        ? CheckpointingMode.EXACTLY_ONCE
                        : CheckpointingMode.AT_LEAST_ONCE;
        env.enableCheckpointing(config.checkpointInterval().toMillis(), mode);

        KafkaSource<RawRecord> source =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(config.bootstrapServers())
                        .setTopics(config.readingsTopic())
                        .setGroupId(config.groupId())
                        .setClientIdPrefix(config.groupId() + "-" + config.siteId())
                        .setStartingOffsets(startingOffsets(config.startingOffsets()))
                        .setDeserializer(new RawRecordDeserializer())
                        // Commit offsets on checkpoints so `run` resumes where it stopped.
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .setProperty("partition.discovery.interval.ms", "30000")
                        .build();

        SingleOutputStreamOperator<SensorReading> readings =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "readings-source")
                        .uid("kafka-source-readings")
                        .process(
                                new ParseReadings(
                                        new SensorReadingParser(
                                                config.channels(), config.maxRecordBytes(), config.maxFutureSkew())))
                        .uid("parse-readings")
                        .name("parse and validate readings");

        readings.getSideOutput(ParseReadings.DEAD_LETTERS)
                .sinkTo(sink(config, new DeadLetterSerializer(config.deadLetterTopic()), "deadletter"))
                .uid("kafka-sink-deadletter")
                .name("dead letters");

        DataStream<SensorWindow> windows =
                readings.assignTimestampsAndWatermarks(
                                WatermarkStrategy.<SensorReading>forBoundedOutOfOrderness(config.maxOutOfOrderness())
                                        .withTimestampAssigner((reading, previous) -> reading.ts())
                                        .withIdleness(config.watermarkIdleness()))
                        .uid("event-time-watermarks")
                        .name("event-time watermarks")
                        .keyBy(SensorReading::deviceId)
                        .process(new SlidingCountWindower(config.windowSize(), config.windowSlide(), config.channels()))
                        .uid("sliding-count-windows")
                        .name("sliding count windows");

        DataStream<ControlMessage> control =
                env.fromSource(
                                ModelBroadcast.controlSource(
                                        config.bootstrapServers(), config.controlTopic(),
                                        config.groupId() + "-control-" + config.siteId()),
                                WatermarkStrategy.noWatermarks(),
                                "model-control-source")
                        .uid("kafka-source-control")
                        .setParallelism(1);

        float threshold = (float) config.anomalyThreshold();
        String site = config.siteId();
        VersionedInference.Builder<SensorWindow, Float, SensorResult> inference =
                VersionedInference.<SensorWindow, Float, SensorResult>builder()
                        .setModelName(config.modelName())
                        .setAdapter(new SensorAnomalyAdapter(config.channels(), config.windowSize()))
                        .setEventTime(SensorWindow::endTs)
                        .setRoutingKey(SensorWindow::deviceId)
                        .setResultBuilder((window, score, model, nanos) ->
                                SensorResult.of(window, score, threshold, model, site, nanos))
                        .setResultType(SensorResult.class)
                        .setRunnerOptions(config.onnx())
                        .setAllowedLateness(config.allowedLateness())
                        .setLoadTimeout(config.loadTimeout())
                        .setSite(site, JOB_NAME)
                        .setModelFetcher(fetcher)
                        .setTrustedKeys(trustedKeys(config))
                        .setModelCache(config.modelCacheDir(), config.maxModelBytes(), config.modelCacheKeepRecent())
                        .setBatching(config.batchMaxSize(), config.batchMaxDelay())
                        .setUid("onnx-inference");
        if (config.model() != null) {
            inference.addInitialRelease(initialRelease(config));
        }
        addPublishedReleases(inference, config.bootstrapServers(), config.controlTopic(), config.modelName());
        VersionedInference.Streams<SensorResult> scored = inference.build().apply(windows, control);
        scored.results()
                .name("onnx inference " + config.modelName())
                .sinkTo(sink(config, new SensorResultSerializer(config.resultsTopic()), "results"))
                .uid("kafka-sink-results")
                .name("results");
        scored.status()
                .sinkTo(statusSink(config))
                .uid("kafka-sink-status")
                .name("model status");
    }

    /**
     * Hands the releases of {@code modelName} now on the control topic to the inference operator,
     * which receives them on every subtask before any data: a backlog read on a fresh start or a
     * replay cannot overtake them on the control stream (the operator does not order its inputs).
     */
    public static void addPublishedReleases(
            VersionedInference.Builder<?, ?, ?> inference, String bootstrapServers, String controlTopic, String modelName) {
        for (ModelRelease published : new ControlTopic(bootstrapServers, controlTopic).readAll(true)) {
            if (published.model().equals(modelName)) {
                inference.addPublishedRelease(published);
            }
        }
    }

    /**
     * The configured model as a release active since the beginning of time. Its publication time
     * is fixed (0) so every submission describes the same release and replays stay identical.
     */
    static ModelRelease initialRelease(SensorJobConfig config) {
        try {
            return ReleaseFactory.fromFile(config.modelName(), config.model().version(), config.modelPath(),
                    0L, 100, "job-config", 0L);
        } catch (IOException e) {
            throw new InvalidConfigurationException(SensorJobOptions.MODEL_PATH.key(), e.getMessage(), e);
        }
    }

    /** Status reports are informational: written at least once, never inside transactions. */
    public static KafkaSink<ModelStatus> statusSink(KafkaJobConfig config) {
        return KafkaSink.<ModelStatus>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new ModelStatusSerializer(config.statusTopic()))
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                .setDeliveryGuarantee(org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    public static OffsetsInitializer startingOffsets(StartingOffsets offsets) {
        return switch (offsets) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    public static <T> KafkaSink<T> sink(
            KafkaJobConfig config, KafkaRecordSerializationSchema<T> serializer, String name) {
        boolean exactlyOnce = config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE;
        var builder =
                KafkaSink.<T>builder()
                        .setBootstrapServers(config.bootstrapServers())
                        .setRecordSerializer(serializer)
                        // Low latency: send at once instead of Kafka 4's default 5 ms linger.
                        .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                        .setDeliveryGuarantee(
                                exactlyOnce
                                        ? org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE
                                        : org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE);
        if (exactlyOnce) {
            builder.setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
                    .setProperty(
                            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                            String.valueOf(config.transactionTimeout().toMillis()));
        }
        return builder.build();
    }

    /** How long results take to become visible downstream in the configured mode (for docs/summary). */
    public static Duration expectedVisibilityDelay(SensorJobConfig config) {
        return config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE
                ? config.checkpointInterval()
                : config.bufferTimeout();
    }
}

package dev.edgeinfer.jobs.kafka;

import dev.edgeinfer.broadcast.control.ControlStream;
import dev.edgeinfer.broadcast.fetch.HttpModelFetcher;
import dev.edgeinfer.broadcast.fetch.KafkaBlobFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.fetch.SchemeModelFetcher;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.config.InvalidConfigurationException;
import dev.edgeinfer.jobs.config.KafkaJobConfig;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;
import dev.edgeinfer.operators.VersionedInference;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The Kafka wiring every EdgeInfer job shares, built from its {@link KafkaJobConfig}: the
 * environment's checkpointing for the delivery guarantee, the input source, the control-topic
 * source and the releases already published on it, the result, dead-letter and status sinks,
 * and the model fetchers and trusted keys. Each job adds only its own parsing and inference.
 */
public final class JobKafka {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobKafka.class);

    private JobKafka() {}

    /**
     * Parallelism, network buffer timeout, object reuse between chained operators (the jobs'
     * records are immutable), and aligned checkpoints whatever the delivery guarantee.
     * At-least-once delivery concerns the sinks only: at-least-once <em>checkpoints</em> let a
     * keyed operator snapshot records that arrived after the barrier on one input, so after a
     * failover they would be replayed into its state a second time — counting a device's readings
     * twice and shifting its count windows. Aligned checkpoints keep the state exactly at the
     * source offsets, so a replay re-emits identical windows.
     */
    public static void configure(StreamExecutionEnvironment env, KafkaJobConfig config) {
        env.setParallelism(config.parallelism());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // Chained operators hand records on instead of deep-copying them: a 224x224 frame is
        // 150 KB, copied once per chained hop without this. Safe because every record type the
        // jobs emit is immutable and no function changes a record it received or emitted.
        env.getConfig().enableObjectReuse();
    }

    /**
     * The input source's settings, ready for a job to add its own: the job's consumer group
     * and client id, its starting offsets, offsets committed on checkpoints (so a restart resumes
     * where it stopped) and partition discovery every 30 s.
     */
    public static <T> KafkaSourceBuilder<T> source(
            KafkaJobConfig config, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        return KafkaSource.<T>builder()
                .setProperties(clientProperties(config))
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(topic)
                .setGroupId(config.groupId())
                .setClientIdPrefix(config.groupId() + "-" + config.siteId())
                .setStartingOffsets(startingOffsets(config.startingOffsets()))
                .setDeserializer(deserializer)
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("partition.discovery.interval.ms", "30000");
    }

    public static OffsetsInitializer startingOffsets(StartingOffsets offsets) {
        return switch (offsets) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    /**
     * The model releases on the control topic, one reader for the whole job (uid
     * {@code kafka-source-control}), with the releases already published on it read now, at
     * submission: {@code VersionedInference.apply} hands them to every subtask before any data, so
     * a backlog read on a fresh start or a replay cannot overtake them.
     */
    public static ControlStream controlStream(StreamExecutionEnvironment env, KafkaJobConfig config) {
        return ControlStream.builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopic(config.controlTopic())
                .setGroupId(config.groupId() + "-control-" + config.siteId())
                .setUid("kafka-source-control")
                .setProperties(config.kafkaProperties())
                .build(env);
    }

    /** The configured {@code kafka.properties.*} client properties, applied first to every Kafka client. */
    public static java.util.Properties clientProperties(KafkaJobConfig config) {
        java.util.Properties properties = new java.util.Properties();
        properties.putAll(config.kafkaProperties());
        return properties;
    }

    /**
     * The inference operator's settings every job takes from its shared configuration: the model
     * served, ONNX Runtime options, lateness, load limits and the latency budget, where model bytes come from and
     * which keys must sign them, the model cache, micro-batching, the warm start, and the operator's uid
     * ({@code onnx-inference}). The job adds its adapter, event time, routing key and results.
     */
    public static void configureInference(VersionedInference.Builder<?, ?, ?> inference, KafkaJobConfig config,
            ModelFetcher fetcher, String jobName) {
        inference.setModelName(config.modelName())
                .setRunnerOptions(config.onnx())
                .setAllowedLateness(config.allowedLateness())
                .setLoadTimeout(config.loadTimeout())
                .setStagingLimits(config.stagingLimits())
                .setLatencyBudget(config.latencyBudget())
                .setSite(config.siteId(), jobName)
                .setSiteLabels(config.siteLabels())
                .setDeprecationPolicy(config.deprecationPolicy())
                .setModelFetcher(fetcher)
                .setTrustedKeys(trustedKeys(config))
                .setModelCache(config.modelCacheDir(), config.maxModelBytes(), config.modelCacheKeepRecent())
                .setBatching(config.batchMaxSize(), config.batchMaxDelay())
                .setBatchFillFromQueue(config.batchFillFromQueue())
                .setWarmup(config.warmupMaxTime())
                .setUid("onnx-inference");
    }

    /** Writes rejected inputs to the dead-letter topic (uid {@code kafka-sink-deadletter}). */
    public static <L> void sinkDeadLetters(
            DataStream<L> letters, KafkaJobConfig config, WarmSerializer<L> serializer) {
        letters.sinkTo(primedSink(config, serializer, "deadletter", serializer.topic()))
                .uid("kafka-sink-deadletter")
                .name("dead letters");
    }

    /**
     * Writes what the inference operator emits: results to the results topic (uids
     * {@code kafka-sink-results}) and status reports to the status topic ({@code kafka-sink-status}).
     */
    public static <R> void sinkOutputs(VersionedInference.Streams<R> scored, KafkaJobConfig config,
            WarmSerializer<R> results) {
        scored.results()
                .name("onnx inference " + config.modelName())
                .sinkTo(primedSink(config, results, "results", results.topic()))
                .uid("kafka-sink-results")
                .name("results");
        scored.status()
                .sinkTo(statusSink(config))
                .uid("kafka-sink-status")
                .name("model status");
    }

    /** Status reports are informational: written at least once, never inside transactions. */
    public static KafkaSink<ModelStatus> statusSink(KafkaJobConfig config) {
        return KafkaSink.<ModelStatus>builder()
                .setKafkaProducerConfig(clientProperties(config))
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(JsonRecordSerializer.of(config.statusTopic(), ModelStatus::key, ModelStatusJson::toJson))
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                .setDeliveryGuarantee(org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * {@link #sink}, whose writers fetch {@code topic}'s metadata when they open, within
     * {@code warmup.max-time}, so that no record waits for it ({@link PrimedKafkaSink}).
     */
    public static <T> PrimedKafkaSink<T> primedSink(
            KafkaJobConfig config, KafkaRecordSerializationSchema<T> serializer, String name, String topic) {
        return PrimedKafkaSink.of(sink(config, serializer, name), topic, config.warmupMaxTime());
    }

    /**
     * A sink with the configured delivery guarantee; exactly-once sinks get their own
     * transactional id prefix ({@code <prefix>-<name>}) so the job's sinks never fence each other.
     */
    public static <T> KafkaSink<T> sink(
            KafkaJobConfig config, KafkaRecordSerializationSchema<T> serializer, String name) {
        boolean exactlyOnce = config.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE;
        var builder =
                KafkaSink.<T>builder()
                        .setKafkaProducerConfig(clientProperties(config))
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

    /**
     * Model sources as configured: {@code file:} under {@code model.files-root} (if any),
     * {@code http(s):} with the size and time limits, and {@code kafka-blob:} from the blobs topic
     * on the job's own Kafka. Anything else is rejected as an unknown scheme.
     */
    public static ModelFetcher modelFetcher(KafkaJobConfig config) {
        Path downloads = config.modelCacheDir().resolve("downloads");
        SchemeModelFetcher.Builder fetchers = SchemeModelFetcher.builder()
                .http(new HttpModelFetcher(downloads, config.maxModelBytes(), Duration.ofSeconds(10), config.httpTimeout(),
                        config.httpAllowedHosts()))
                .kafkaBlob(new KafkaBlobFetcher(config.bootstrapServers(), config.blobsTopic(), downloads,
                        config.maxModelBytes(), config.httpTimeout()).withClientProperties(config.kafkaProperties()));
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
                    KafkaJobOptions.TRUSTED_KEYS.key(), config.controlTopic());
            return TrustedKeys.none();
        }
        TrustedKeys keys = TrustedKeys.none();
        try {
            for (Path path : config.trustedKeys()) {
                keys = keys.union(Files.isDirectory(path) ? TrustedKeys.fromDirectory(path) : TrustedKeys.fromFiles(path));
            }
        } catch (IOException e) {
            throw new InvalidConfigurationException(KafkaJobOptions.TRUSTED_KEYS.key(), e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new InvalidConfigurationException(KafkaJobOptions.TRUSTED_KEYS.key(),
                    "no public key found in " + config.trustedKeys());
        }
        return keys;
    }
}

package dev.edgeinfer.jobs.config;

import dev.edgeinfer.operators.DeprecationPolicy;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

import java.time.Duration;
import java.util.List;

/**
 * The settings every EdgeInfer job shares (same key, same meaning, same default): Kafka and its
 * control, status and blob topics, delivery and checkpointing, watermarks and latency, model
 * sources, trust and cache, micro-batching and ONNX Runtime. Each job's options class lists
 * these declarations among its own, in the order its configuration table shows them;
 * {@link KafkaJobConfig} is what they become once validated.
 */
public final class KafkaJobOptions {

    private KafkaJobOptions() {}

    /** How results reach Kafka. */
    public enum DeliveryGuarantee {
        /** Results are written immediately; after a failover some may be written twice (byte-identical). */
        AT_LEAST_ONCE,
        /** Results are written in Kafka transactions committed on checkpoints; read with read_committed. */
        EXACTLY_ONCE
    }

    /** Where the job starts reading when its consumer group has no committed offsets. */
    public enum StartingOffsets {
        EARLIEST,
        LATEST,
        /** Committed group offsets, falling back to earliest for new groups. */
        COMMITTED
    }

    public static final ConfigOption<String> SITE_ID =
            ConfigOptions.key("edgeinfer.site.id")
                    .stringType()
                    .defaultValue("edge-local")
                    .withDescription("Identifier of this edge site; written into every result and status report. Releases that name sites apply here when they name this id.");

    public static final ConfigOption<String> SITE_LABELS =
            ConfigOptions.key("edgeinfer.site.labels")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Labels of this edge site, key=value[,key=value...] (e.g. wave=1,region=north); releases that target labels (publish --site-label) apply here when one matches. Carried in every heartbeat.");

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka bootstrap servers, host:port[,host:port]. Required.");

    public static final ConfigOption<String> CONTROL_TOPIC =
            ConfigOptions.key("topic.control")
                    .stringType()
                    .defaultValue("edge.models.control")
                    .withDescription("Compacted topic of model releases (JSON, one record per activation); read from the beginning, it is the release timeline.");

    public static final ConfigOption<String> STATUS_TOPIC =
            ConfigOptions.key("topic.status")
                    .stringType()
                    .defaultValue("edge.models.status")
                    .withDescription("Where every subtask reports STAGED, ACTIVE, REJECTED, RETIRED, LATE_ACTIVATION, DEPRECATED and HEARTBEAT (with each version's health) for model versions.");

    public static final ConfigOption<String> BLOBS_TOPIC =
            ConfigOptions.key("topic.blobs")
                    .stringType()
                    .defaultValue("edge.models.blobs")
                    .withDescription("Topic carrying model bytes in chunks (kafka-blob: URIs), for sites that reach nothing but Kafka.");

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("parallelism")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Parallel subtasks of every operator; one ONNX Runtime session per subtask. Use the number of cores.");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            ConfigOptions.key("delivery.guarantee")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.AT_LEAST_ONCE)
                    .withDescription("AT_LEAST_ONCE (low latency; duplicates after failover are byte-identical) or EXACTLY_ONCE (Kafka transactions; results visible to read_committed readers at checkpoints).");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("checkpoint.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("Checkpoint interval. In EXACTLY_ONCE mode results become visible at this pace.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("exactly-once.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("Kafka transaction timeout (EXACTLY_ONCE); must not exceed the broker's transaction.max.timeout.ms.");

    public static final ConfigOption<Duration> WATERMARK_IDLENESS =
            ConfigOptions.key("watermark.idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("A source split without data for this long stops holding the watermark back.");

    public static final ConfigOption<Duration> BUFFER_TIMEOUT =
            ConfigOptions.key("latency.buffer-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMillis(2))
                    .withDescription("Longest time a record waits in a network buffer between operators (Flink default 100 ms).");

    public static final ConfigOption<String> MODEL_VERSION =
            ConfigOptions.key("model.version")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Version label of an initial model, active from the beginning of time until the control topic activates another. Optional: without it, records wait for the first release on the control topic.");

    public static final ConfigOption<String> MODEL_SHA256 =
            ConfigOptions.key("model.sha256")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Expected sha256 of the initial model's file; if unset it is computed at submission. Every subtask verifies it before loading.");

    public static final ConfigOption<Duration> MODEL_ALLOWED_LATENESS =
            ConfigOptions.key("model.allowed-lateness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("A superseded version stays loaded until the watermark passes the next activation plus this, so late records still get the version that owned their event time.");

    public static final ConfigOption<Duration> MODEL_LOAD_TIMEOUT =
            ConfigOptions.key("model.load-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("Longest time a record may wait for the version it needs to finish loading before the task fails over.");

    public static final ConfigOption<DeprecationPolicy> MODEL_DEPRECATION_POLICY =
            ConfigOptions.key("model.deprecation-policy")
                    .enumType(DeprecationPolicy.class)
                    .defaultValue(DeprecationPolicy.FLAG)
                    .withDescription("What a signed deprecation advisory (edgeinfer deprecate) of a version this job serves does: FLAG reports it on the status topic; ROLLBACK also scores records from the advisory's event time on with the previous good version.");

    public static final ConfigOption<String> TRUSTED_KEYS =
            ConfigOptions.key("model.trusted-keys")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Ed25519 public keys (files, or directories of *.pub/*.pem, comma-separated) whose signatures releases must carry. Unset: releases are NOT signature-checked, and the job says so loudly at start.");

    public static final ConfigOption<String> MODELS_ROOT =
            ConfigOptions.key("model.files-root")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Directory that file: release URIs must lie under (no .. or symlink escapes). Default: the initial model's directory; with neither, file: URIs are refused.");

    public static final ConfigOption<String> MODEL_CACHE_DIR =
            ConfigOptions.key("model.cache-dir")
                    .stringType()
                    .defaultValue(System.getProperty("java.io.tmpdir") + "/edgeinfer-model-cache")
                    .withDescription("TaskManager-local, content-addressed model cache (by sha256), shared by subtasks and reused after restarts.");

    public static final ConfigOption<Integer> MODEL_CACHE_KEEP =
            ConfigOptions.key("model.cache-keep-recent")
                    .intType()
                    .defaultValue(3)
                    .withDescription("Recently used models kept in the cache beyond those still needed, for instant rollback.");

    public static final ConfigOption<MemorySize> MODEL_MAX_SIZE =
            ConfigOptions.key("model.max-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(256))
                    .withDescription("Largest model accepted; bigger releases are rejected before any byte is fetched.");

    public static final ConfigOption<Duration> MODEL_HTTP_TIMEOUT =
            ConfigOptions.key("model.http-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Time limit for fetching an http(s): model, body included (connect limit: 10 s).");

    public static final ConfigOption<Integer> BATCH_MAX_SIZE =
            ConfigOptions.key("batch.max-size")
                    .intType()
                    .defaultValue(32)
                    .withDescription("Largest micro-batch scored in one ONNX Runtime call (batches never mix model versions).");

    public static final ConfigOption<Duration> BATCH_MAX_DELAY =
            ConfigOptions.key("batch.max-delay")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription("Longest a record waits for its micro-batch to fill (ms resolution). 0: no waiting, each record is scored at once (lowest latency); 1-5 ms trades latency for throughput on big models.");

    public static final ConfigOption<Integer> ONNX_INTRA_OP_THREADS =
            ConfigOptions.key("onnx.intra-op-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription("ONNX Runtime threads per session; 1 is best when parallelism equals the cores.");

    public static final ConfigOption<String> ONNX_OPT_LEVEL =
            ConfigOptions.key("onnx.opt-level")
                    .stringType()
                    .defaultValue("ALL_OPT")
                    .withDescription("ONNX Runtime graph optimisation: NO_OPT, BASIC_OPT, EXTENDED_OPT or ALL_OPT.");

    /** The shared options in declaration order. */
    public static List<ConfigOption<?>> all() {
        return JobConfigReader.declaredOptions(KafkaJobOptions.class);
    }
}

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

    public static final ConfigOption<Duration> MODEL_LATENCY_BUDGET =
            ConfigOptions.key("model.latency-budget")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription("p99 latency one batch of batch.max-size records may take. While staging a release, each TaskManager times the variants its hardware runs (once per JVM, shared by the job's subtasks) and serves the most faithful one within this; if none fits (for a single-file release: if its file does not), the release is REJECTED there with LATENCY_BUDGET and the current version keeps serving. 0: no budget, nothing timed, the most faithful variant the hardware runs serves.");

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

    public static final ConfigOption<String> MODEL_HTTP_ALLOWED_HOSTS =
            ConfigOptions.key("model.http-allowed-hosts")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Host names (comma-separated, exact) that http(s): release URIs may name. Unset: every http(s) release is rejected (HOST_NOT_ALLOWED), so whoever can write to the control topic cannot make TaskManagers fetch from internal addresses.");

    public static final ConfigOption<Duration> STAGING_FETCH_TIMEOUT =
            ConfigOptions.key("model.staging.fetch-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(2))
                    .withDescription("Time limit for fetching and verifying a release's bytes, retries included; over it the release is rejected (FETCH_TIMEOUT) and the current version keeps serving.");

    public static final ConfigOption<Duration> STAGING_LOAD_TIMEOUT =
            ConfigOptions.key("model.staging.load-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Time limit for loading a release into an ONNX Runtime session; over it the release is rejected (LOAD_TIMEOUT).");

    public static final ConfigOption<Duration> STAGING_WARMUP_TIMEOUT =
            ConfigOptions.key("model.staging.warmup-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Time limit for a release's warm-up; over it the run is terminated and the release rejected (WARMUP_TIMEOUT).");

    public static final ConfigOption<MemorySize> STAGING_WARMUP_MAX_TENSOR =
            ConfigOptions.key("model.staging.warmup-max-tensor")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(1024))
                    .withDescription("Largest tensor a release's graph may need at the warm-up batch size, checked before it runs (declared and constant-derived shapes); bigger is rejected (RESOURCE_LIMIT).");

    public static final ConfigOption<Integer> STAGING_CONCURRENCY =
            ConfigOptions.key("model.staging.concurrency")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Releases staged at once per subtask, the one whose activation is soonest first: a release due later never delays one due sooner.");

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

    public static final ConfigOption<Boolean> BATCH_FILL_FROM_QUEUE =
            ConfigOptions.key("batch.fill-from-queue")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("With batch.max-delay 0, a micro-batch still takes the records already queued at the operator's input (up to batch.max-size) before it is scored, and never waits for records yet to come: at saturation batches fill from the backlog, while a lone record is scored at once. false: every record is scored alone.");

    public static final ConfigOption<Duration> WARMUP_MAX_TIME =
            ConfigOptions.key("warmup.max-time")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(3))
                    .withDescription("Longest warm start of each operator on the record path in open(), before the task takes its first record: the inference operator waits for the serving model to load and runs it on synthetic batches, the parser and the result and dead-letter serializers run on synthetic records (nothing reaches a topic or state). 0 switches it off; the first records then pay the JIT and model load.");

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

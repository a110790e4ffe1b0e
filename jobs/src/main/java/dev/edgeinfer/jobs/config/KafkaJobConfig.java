package dev.edgeinfer.jobs.config;

import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The settings every EdgeInfer job shares (Kafka, delivery, control and status topics, model
 * sources and trust), implemented by each job's validated configuration record so the Kafka
 * sources, sinks and model fetchers are built the same way for all of them.
 */
public interface KafkaJobConfig {
    String siteId();

    /** The site's labels ({@code edgeinfer.site.labels}), sorted; empty when none. */
    java.util.Map<String, String> siteLabels();

    String bootstrapServers();

    /** Parallel subtasks of every operator. */
    int parallelism();

    /** The model the job serves; releases of other models on the control topic are ignored. */
    String modelName();

    String groupId();

    StartingOffsets startingOffsets();

    String controlTopic();

    String statusTopic();

    String blobsTopic();

    DeliveryGuarantee deliveryGuarantee();

    Duration checkpointInterval();

    String transactionalIdPrefix();

    Duration transactionTimeout();

    Duration bufferTimeout();

    List<Path> trustedKeys();

    /** Directory {@code file:} URIs must lie under, or {@code null} (then {@code file:} is refused). */
    Path modelsRoot();

    Path modelCacheDir();

    long maxModelBytes();

    Duration httpTimeout();

    OnnxRunnerOptions onnx();

    Duration allowedLateness();

    Duration loadTimeout();

    /** Time limits, memory bound and concurrency of staging releases. */
    dev.edgeinfer.operators.model.StagingLimits stagingLimits();

    /** Hosts {@code http(s):} releases may fetch from; empty: none. */
    java.util.Set<String> httpAllowedHosts();

    /** The p99 budget per batch that chooses each release's variant per TaskManager; zero: none. */
    Duration latencyBudget();

    int modelCacheKeepRecent();

    /** What a deprecation advisory of a version served does ({@code model.deprecation-policy}). */
    dev.edgeinfer.operators.DeprecationPolicy deprecationPolicy();

    int batchMaxSize();

    Duration batchMaxDelay();

    /** Whether batches take the records already queued at the operator's input ({@code batch.fill-from-queue}). */
    boolean batchFillFromQueue();

    /** Longest warm start of each operator on the record path ({@code warmup.max-time}; 0: none). */
    Duration warmupMaxTime();

    /**
     * Kafka client properties from {@code kafka.properties.<name>} (security, timeouts), applied
     * to every Kafka client the job creates: sources, sinks, the control source and its read at
     * submission, and the {@code kafka-blob:} fetcher.
     */
    java.util.Map<String, String> kafkaProperties();
}

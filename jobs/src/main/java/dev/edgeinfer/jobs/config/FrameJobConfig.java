package dev.edgeinfer.jobs.config;

import static dev.edgeinfer.jobs.config.FrameJobOptions.*;
import static dev.edgeinfer.jobs.config.JobConfigReader.*;
import static dev.edgeinfer.jobs.config.KafkaJobOptions.*;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;
import dev.edgeinfer.operators.frames.FrameTensor;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The frame classification job's validated configuration ({@link FrameJobOptions}).
 * {@link #from(Configuration)} fails fast with an {@link InvalidConfigurationException} naming
 * the offending key. {@code model} and {@code modelPath} describe the optional initial model.
 */
public record FrameJobConfig(
        String siteId,
        String bootstrapServers,
        String groupId,
        StartingOffsets startingOffsets,
        String framesTopic,
        String resultsTopic,
        String deadLetterTopic,
        String controlTopic,
        String statusTopic,
        String blobsTopic,
        int parallelism,
        int topK,
        FrameTensor.Resize resize,
        int maxWidth,
        int maxHeight,
        int maxRecordBytes,
        DeliveryGuarantee deliveryGuarantee,
        Duration checkpointInterval,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        Duration maxOutOfOrderness,
        Duration watermarkIdleness,
        Duration bufferTimeout,
        Duration maxFutureSkew,
        String modelName,
        ModelId model,
        Path modelPath,
        Duration allowedLateness,
        Duration loadTimeout,
        OnnxRunnerOptions onnx,
        List<Path> trustedKeys,
        Path modelsRoot,
        Path modelCacheDir,
        int modelCacheKeepRecent,
        long maxModelBytes,
        Duration httpTimeout,
        int batchMaxSize,
        Duration batchMaxDelay,
        boolean batchFillFromQueue,
        java.util.Map<String, String> kafkaProperties,
        dev.edgeinfer.operators.model.StagingLimits stagingLimits,
        java.util.Set<String> httpAllowedHosts,
        Duration latencyBudget,
        Duration warmupMaxTime,
        java.util.Map<String, String> siteLabels,
        dev.edgeinfer.operators.DeprecationPolicy deprecationPolicy) implements KafkaJobConfig {

    /** Reads and validates every option; unknown keys that look like ours are rejected too. */
    public static FrameJobConfig from(Configuration conf) {
        rejectUnknownKeys(conf, FrameJobOptions.all());
        String bootstrap = JobConfigReader.bootstrapServers(conf);
        Duration checkpointInterval = positiveDuration(conf, CHECKPOINT_INTERVAL);
        Duration transactionTimeout = JobConfigReader.transactionTimeout(conf, checkpointInterval);
        String modelName = required(conf, MODEL_NAME);
        JobConfigReader.InitialModel initial = initialModel(conf, modelName, MODEL_PATH);
        return new FrameJobConfig(
                required(conf, SITE_ID),
                bootstrap,
                required(conf, GROUP_ID),
                get(conf, STARTING_OFFSETS),
                topic(conf, FRAMES_TOPIC),
                topic(conf, RESULTS_TOPIC),
                topic(conf, DEADLETTER_TOPIC),
                topic(conf, CONTROL_TOPIC),
                topic(conf, STATUS_TOPIC),
                topic(conf, BLOBS_TOPIC),
                positive(conf, PARALLELISM),
                positive(conf, TOP_K),
                get(conf, RESIZE),
                positive(conf, MAX_WIDTH),
                positive(conf, MAX_HEIGHT),
                positive(conf, MAX_RECORD_BYTES),
                get(conf, DELIVERY_GUARANTEE),
                checkpointInterval,
                required(conf, TRANSACTIONAL_ID_PREFIX),
                transactionTimeout,
                nonNegativeDuration(conf, MAX_OUT_OF_ORDERNESS),
                positiveDuration(conf, WATERMARK_IDLENESS),
                nonNegativeDuration(conf, BUFFER_TIMEOUT),
                positiveDuration(conf, MAX_FUTURE_SKEW),
                modelName,
                initial.model(),
                initial.path(),
                nonNegativeDuration(conf, MODEL_ALLOWED_LATENESS),
                positiveDuration(conf, MODEL_LOAD_TIMEOUT),
                JobConfigReader.onnx(conf),
                JobConfigReader.trustedKeys(conf),
                JobConfigReader.modelsRoot(conf, initial.path()),
                Path.of(required(conf, MODEL_CACHE_DIR)).toAbsolutePath(),
                nonNegative(conf, MODEL_CACHE_KEEP),
                positiveBytes(conf, MODEL_MAX_SIZE),
                positiveDuration(conf, MODEL_HTTP_TIMEOUT),
                positive(conf, BATCH_MAX_SIZE),
                nonNegativeDuration(conf, BATCH_MAX_DELAY),
                get(conf, BATCH_FILL_FROM_QUEUE),
                JobConfigReader.kafkaProperties(conf),
                JobConfigReader.stagingLimits(conf),
                JobConfigReader.httpAllowedHosts(conf),
                nonNegativeDuration(conf, MODEL_LATENCY_BUDGET),
                nonNegativeDuration(conf, WARMUP_MAX_TIME),
                JobConfigReader.siteLabels(conf),
                get(conf, MODEL_DEPRECATION_POLICY));
    }
}

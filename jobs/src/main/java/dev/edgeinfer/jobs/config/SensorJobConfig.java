package dev.edgeinfer.jobs.config;

import static dev.edgeinfer.jobs.config.JobConfigReader.*;
import static dev.edgeinfer.jobs.config.KafkaJobOptions.*;
import static dev.edgeinfer.jobs.config.SensorJobOptions.*;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The sensor job's validated configuration. {@link #from(Configuration)} fails fast, before the
 * job is built, with an {@link InvalidConfigurationException} naming the offending key.
 * {@code model} and {@code modelPath} describe the optional initial model (both null when the
 * job takes every version from the control topic).
 */
public record SensorJobConfig(
        String siteId,
        String bootstrapServers,
        String groupId,
        StartingOffsets startingOffsets,
        String readingsTopic,
        String resultsTopic,
        String deadLetterTopic,
        String controlTopic,
        String statusTopic,
        int parallelism,
        int channels,
        int windowSize,
        int windowSlide,
        double anomalyThreshold,
        DeliveryGuarantee deliveryGuarantee,
        Duration checkpointInterval,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        Duration maxOutOfOrderness,
        Duration watermarkIdleness,
        Duration bufferTimeout,
        int maxRecordBytes,
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
        String blobsTopic,
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
    public static SensorJobConfig from(Configuration conf) {
        rejectUnknownKeys(conf, SensorJobOptions.all());
        String bootstrap = JobConfigReader.bootstrapServers(conf);
        int channels = positive(conf, CHANNELS);
        int windowSize = positive(conf, WINDOW_SIZE);
        if (windowSize < 2) {
            throw new InvalidConfigurationException(WINDOW_SIZE.key(), "must be at least 2, got " + windowSize);
        }
        int slide = positive(conf, WINDOW_SLIDE);
        if (slide > windowSize) {
            throw new InvalidConfigurationException(
                    WINDOW_SLIDE.key(),
                    "must be between 1 and " + WINDOW_SIZE.key() + " (" + windowSize + "), got " + slide);
        }
        double threshold = get(conf, ANOMALY_THRESHOLD);
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new InvalidConfigurationException(ANOMALY_THRESHOLD.key(), "must be in [0, 1], got " + threshold);
        }
        Duration checkpointInterval = positiveDuration(conf, CHECKPOINT_INTERVAL);
        Duration transactionTimeout = JobConfigReader.transactionTimeout(conf, checkpointInterval);
        Duration bufferTimeout = nonNegativeDuration(conf, BUFFER_TIMEOUT);
        String modelName = required(conf, MODEL_NAME);
        InitialModel initial = initialModel(conf, modelName, MODEL_PATH);
        ModelId model = initial.model();
        Path modelPath = initial.path();
        OnnxRunnerOptions onnx = JobConfigReader.onnx(conf);
        return new SensorJobConfig(
                required(conf, SITE_ID),
                bootstrap,
                required(conf, GROUP_ID),
                get(conf, STARTING_OFFSETS),
                topic(conf, READINGS_TOPIC),
                topic(conf, RESULTS_TOPIC),
                topic(conf, DEADLETTER_TOPIC),
                topic(conf, CONTROL_TOPIC),
                topic(conf, STATUS_TOPIC),
                positive(conf, PARALLELISM),
                channels,
                windowSize,
                slide,
                threshold,
                get(conf, DELIVERY_GUARANTEE),
                checkpointInterval,
                required(conf, TRANSACTIONAL_ID_PREFIX),
                transactionTimeout,
                nonNegativeDuration(conf, MAX_OUT_OF_ORDERNESS),
                positiveDuration(conf, WATERMARK_IDLENESS),
                bufferTimeout,
                positive(conf, MAX_RECORD_BYTES),
                positiveDuration(conf, MAX_FUTURE_SKEW),
                modelName,
                model,
                modelPath,
                nonNegativeDuration(conf, MODEL_ALLOWED_LATENESS),
                positiveDuration(conf, MODEL_LOAD_TIMEOUT),
                onnx,
                JobConfigReader.trustedKeys(conf),
                JobConfigReader.modelsRoot(conf, modelPath),
                Path.of(required(conf, MODEL_CACHE_DIR)).toAbsolutePath(),
                nonNegative(conf, MODEL_CACHE_KEEP),
                positiveBytes(conf, MODEL_MAX_SIZE),
                positiveDuration(conf, MODEL_HTTP_TIMEOUT),
                topic(conf, BLOBS_TOPIC),
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

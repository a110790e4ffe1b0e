package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.operators.DeprecationPolicy;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.PredictionSummary;
import dev.edgeinfer.operators.ResultBuilder;
import dev.edgeinfer.operators.model.ModelHandlerFactory;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Everything the inference operator needs on the TaskManagers, as {@code VersionedInference}'s
 * builder checked it. Serialized with the job graph. {@code adapter} and {@code runnerOptions}
 * configure the default ONNX {@code handlerFactory}; a custom factory need not use them.
 * {@code latencyBudgetNanos}: the p99 budget per batch that chooses each release's variant
 * ({@link LatencyBudgetGate}), 0 for none.
 * {@code warmupMillis} bounds the warm start in {@code open()} ({@link InferenceWarmup}; 0: none).
 */
@Internal
public record InferenceSettings<IN, P, OUT>(
            String modelName,
            ModelAdapter<IN, P> adapter,
            ResultBuilder<IN, P, OUT> resultBuilder,
            SerializableFunction<IN, Long> eventTime,
            KeySelector<IN, String> routingKey,
            ModelFetcher fetcher,
            OnnxRunnerOptions runnerOptions,
            long allowedLatenessMillis,
            long loadTimeoutMillis,
            long heartbeatIntervalMillis,
            List<ModelRelease> initialReleases,
            List<ModelRelease> publishedReleases,
            String siteId,
            String jobName,
            OutputTag<ModelStatus> statusTag,
            TrustedKeys trustedKeys,
            String modelCacheDir,
            long maxModelBytes,
            int keepRecentModels,
            int batchMaxSize,
            long batchMaxDelayMillis,
            boolean batchFillFromQueue,
            ModelHandlerFactory<IN, P> handlerFactory,
            StagingLimits stagingLimits,
            long latencyBudgetNanos,
            long warmupMillis,

            Map<String, String> siteLabels,
            PredictionSummary<P> predictionSummary,
            DeprecationPolicy deprecationPolicy)
        implements Serializable {

    /** These settings with {@code published} as the releases known at submission. */
    public InferenceSettings<IN, P, OUT> withPublishedReleases(List<ModelRelease> published) {
        return new InferenceSettings<>(modelName, adapter, resultBuilder, eventTime, routingKey, fetcher, runnerOptions,
                allowedLatenessMillis, loadTimeoutMillis, heartbeatIntervalMillis, initialReleases, List.copyOf(published),
                siteId, jobName, statusTag, trustedKeys, modelCacheDir, maxModelBytes, keepRecentModels, batchMaxSize,
                batchMaxDelayMillis, batchFillFromQueue, handlerFactory, stagingLimits, latencyBudgetNanos, warmupMillis, siteLabels,
                predictionSummary, deprecationPolicy);
    }

    /** This site as release targets see it: its id and labels. */
    public SiteIdentity site() {
        return new SiteIdentity(siteId, siteLabels);
    }
}

package dev.edgeinfer.operators;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ControlStream;
import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.operators.internal.InferenceSettings;
import dev.edgeinfer.operators.internal.VersionedInferenceOperator;
import dev.edgeinfer.operators.model.ModelHandlerFactory;
import dev.edgeinfer.operators.model.OnnxModelHandlerFactory;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The public entry point that attaches versioned ONNX inference to any {@link DataStream}: the
 * records are scored by the version a release timeline assigns to their event time and key,
 * and new versions arriving on the control stream take over in flight.
 *
 * <pre>{@code
 * VersionedInference<SensorWindow, Float, SensorResult> inference =
 *     VersionedInference.<SensorWindow, Float, SensorResult>builder()
 *         .setModelName("sensor-anomaly")
 *         .setAdapter(new SensorAnomalyAdapter(4, 16))          // DJL translator + warm-up batch
 *         .setEventTime(SensorWindow::endTs)
 *         .setRoutingKey(SensorWindow::deviceId)                // canary buckets
 *         .setResultBuilder((w, score, model, nanos) -> SensorResult.of(w, score, 0.5f, model, "site-1"))
 *         .setResultType(SensorResult.class)
 *         .setAllowedLateness(Duration.ofSeconds(5))
 *         .build();
 * DataStream<ControlMessage> control = env.fromSource(
 *     ModelBroadcast.controlSource(bootstrap, "edge.models.control", "site-1"), WatermarkStrategy.noWatermarks(), "control");
 * VersionedInference.Streams<SensorResult> out = inference.apply(windows, control);
 * out.results().sinkTo(resultsSink);
 * out.status().sinkTo(statusSink);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> See {@link VersionedInferenceOperator}: every record is
 * scored by exactly the version {@code ReleaseTimeline.resolve(model, eventTime, key)} names
 * (rejected releases excluded), never by another one while a new version loads; results carry
 * the model's name, version and sha256. The control stream is broadcast to every subtask and its
 * releases live in checkpointed broadcast state. The result operator gets uid
 * {@code onnx-inference} unless you set another with {@link Builder#setUid}.
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 * @param <OUT> results emitted
 */
public final class VersionedInference<IN, P, OUT> {

    private final InferenceSettings<IN, P, OUT> settings;
    private final TypeInformation<OUT> resultType;
    private final String uid;

    VersionedInference(InferenceSettings<IN, P, OUT> settings, TypeInformation<OUT> resultType, String uid) {
        this.settings = settings;
        this.resultType = resultType;
        this.uid = uid;
    }

    public static <IN, P, OUT> Builder<IN, P, OUT> builder() {
        return new Builder<>();
    }

    /** The scored results and the subtasks' model status reports. */
    public record Streams<OUT>(SingleOutputStreamOperator<OUT> results, DataStream<ModelStatus> status) {}

    /**
     * Connects {@code data} with the broadcast control stream and returns the results and the
     * status side output. The releases that were on the control topic when {@code control} was
     * built (this model's) are handed to every subtask before any record, so a backlog cannot be
     * scored by a version an already published release replaces. Control records that are not
     * valid releases are reported as REJECTED on the status output.
     */
    public Streams<OUT> apply(DataStream<IN> data, ControlStream control) {
        List<ModelRelease> published = new ArrayList<>(settings.publishedReleases());
        for (ModelRelease release : control.publishedAtSubmission()) {
            if (release.model().equals(settings.modelName())) {
                published.add(release);
            }
        }
        return connect(data, control.messages(), settings.withPublishedReleases(published));
    }

    /**
     * Connects {@code data} with raw control messages (e.g. from {@code ModelBroadcast.controlSource}).
     * Caveat: without the releases published before submission (see {@link ControlStream}), a
     * backlog read on a fresh start may be scored before those releases arrive; prefer
     * {@link #apply(DataStream, ControlStream)} unless you add them with
     * {@link Builder#addPublishedRelease}.
     */
    public Streams<OUT> apply(DataStream<IN> data, DataStream<ControlMessage> control) {
        return connect(data, control, settings);
    }

    private Streams<OUT> connect(DataStream<IN> data, DataStream<ControlMessage> control,
            InferenceSettings<IN, P, OUT> settings) {
        VersionedInferenceOperator<IN, P, OUT> operator = new VersionedInferenceOperator<>(settings);
        SingleOutputStreamOperator<OUT> results =
                data.connect(control.broadcast())
                        .transform("versioned onnx inference " + settings.modelName(), resultType, operator)
                        .uid(uid);
        return new Streams<>(results, results.getSideOutput(settings.statusTag()));
    }


    /** Builder; {@link #build()} checks the combination and says what is missing. */
    public static final class Builder<IN, P, OUT> extends ServingOptions<P, Builder<IN, P, OUT>> {
        private String modelName;
        private ModelAdapter<IN, P> adapter;
        private ResultBuilder<IN, P, OUT> resultBuilder;
        private TypeInformation<OUT> resultType;
        private SerializableFunction<IN, Long> eventTime;
        private KeySelector<IN, String> routingKey;
        private ModelFetcher fetcher = new FileModelFetcher();
        private OnnxRunnerOptions runnerOptions = OnnxRunnerOptions.DEFAULTS;
        private Duration allowedLateness = Duration.ofSeconds(5);
        private Duration loadTimeout = Duration.ofMinutes(5);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private final List<ModelRelease> initialReleases = new ArrayList<>();
        private final List<ModelRelease> publishedReleases = new ArrayList<>();
        private String siteId = "edge-local";
        private String jobName = "edgeinfer";
        private String uid = "onnx-inference";
        private TrustedKeys trustedKeys = TrustedKeys.none();
        private Path modelCacheDir = Path.of(System.getProperty("java.io.tmpdir"), "edgeinfer-model-cache");
        private long maxModelBytes = 256L * 1024 * 1024;
        private int keepRecentModels = 3;
        private int batchMaxSize = 1;
        private Duration batchMaxDelay = Duration.ZERO;
        private boolean batchFillFromQueue = true;
        private ModelHandlerFactory<IN, P> handlerFactory;
        Builder() {}

        @Override
        Builder<IN, P, OUT> self() {
            return this;
        }

        /**
         * Micro-batching: records are scored in one ONNX Runtime call per batch, which closes at
         * {@code maxSize} records or {@code maxDelay} after its first record, whichever comes
         * first ({@code maxDelay} 0: no waiting for records yet to come; see
         * {@link #setBatchFillFromQueue} for those already queued). Batches never
         * mix versions and are flushed before every watermark and checkpoint barrier and at end
         * of input, so nothing is held in state. The delay has millisecond resolution (Flink
         * processing-time timers).
         */
        public Builder<IN, P, OUT> setBatching(int maxSize, Duration maxDelay) {
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (maxSize < 1 || maxDelay.isNegative()) {
                throw new IllegalArgumentException(
                        "batching needs maxSize >= 1 and maxDelay >= 0, got " + maxSize + " and " + maxDelay);
            }
            this.batchMaxSize = maxSize;
            this.batchMaxDelay = maxDelay;
            return this;
        }

        /**
         * With a batch delay of 0, whether a micro-batch takes the records already queued at the
         * task's input (up to its maximum size) before it is scored: at saturation batches fill
         * from the backlog, while a lone record is still scored at once (default true). False
         * scores every record alone.
         */
        public Builder<IN, P, OUT> setBatchFillFromQueue(boolean fillFromQueue) {
            this.batchFillFromQueue = fillFromQueue;
            return this;
        }

        /**
         * Public keys whose Ed25519 signatures releases must carry. With none (the default),
         * releases are not signature-checked: anyone who can write to the control topic can
         * deploy a model. Unsigned, unknown-key and forged releases are rejected when set.
         */
        public Builder<IN, P, OUT> setTrustedKeys(TrustedKeys trustedKeys) {
            this.trustedKeys = Objects.requireNonNull(trustedKeys, "trustedKeys");
            return this;
        }

        /**
         * The TaskManager-local, content-addressed model cache (shared by the subtasks of one
         * JVM, reused after restarts): its directory, the largest model accepted, and how many
         * recently used models beyond those needed it keeps for instant rollback.
         */
        public Builder<IN, P, OUT> setModelCache(Path directory, long maxModelBytes, int keepRecent) {
            this.modelCacheDir = Objects.requireNonNull(directory, "directory");
            if (maxModelBytes <= 0 || keepRecent < 0) {
                throw new IllegalArgumentException(
                        "need maxModelBytes > 0 and keepRecent >= 0, got " + maxModelBytes + " and " + keepRecent);
            }
            this.maxModelBytes = maxModelBytes;
            this.keepRecentModels = keepRecent;
            return this;
        }

        /** The model this operator serves; releases of other models are rejected as NOT_SERVED. */
        public Builder<IN, P, OUT> setModelName(String modelName) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
            return this;
        }

        /**
         * The engine that loads and runs each version. Defaults to ONNX Runtime
         * ({@link OnnxModelHandlerFactory} with the adapter and runner options); with another
         * factory the adapter is optional.
         */
        public Builder<IN, P, OUT> setModelHandlerFactory(ModelHandlerFactory<IN, P> handlerFactory) {
            this.handlerFactory = Objects.requireNonNull(handlerFactory, "handlerFactory");
            return this;
        }

        /** Pre/post-processing: a DJL translator factory plus a warm-up batch. */
        public Builder<IN, P, OUT> setAdapter(ModelAdapter<IN, P> adapter) {
            this.adapter = Objects.requireNonNull(adapter, "adapter");
            return this;
        }

        /** Builds each result from (record, prediction, model lineage, inference time). */
        public Builder<IN, P, OUT> setResultBuilder(ResultBuilder<IN, P, OUT> resultBuilder) {
            this.resultBuilder = Objects.requireNonNull(resultBuilder, "resultBuilder");
            return this;
        }

        /** The class of the results (Java erases it from the result builder). */
        public Builder<IN, P, OUT> setResultType(Class<OUT> resultType) {
            this.resultType = TypeInformation.of(Objects.requireNonNull(resultType, "resultType"));
            return this;
        }

        /** The event time (epoch ms) of a record: what the timeline resolves versions by. */
        public Builder<IN, P, OUT> setEventTime(SerializableFunction<IN, Long> eventTime) {
            this.eventTime = Objects.requireNonNull(eventTime, "eventTime");
            return this;
        }

        /** The key that places a record in a canary bucket (e.g. the device id). */
        public Builder<IN, P, OUT> setRoutingKey(KeySelector<IN, String> routingKey) {
            this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
            return this;
        }

        /**
         * Where model bytes come from. The default, {@link FileModelFetcher} without a root,
         * serves any local {@code file:} path: fine for tests and single-user setups; in
         * production pass a {@code SchemeModelFetcher} with a files root (as the project's jobs do).
         */
        public Builder<IN, P, OUT> setModelFetcher(ModelFetcher fetcher) {
            this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
            return this;
        }

        public Builder<IN, P, OUT> setRunnerOptions(OnnxRunnerOptions runnerOptions) {
            this.runnerOptions = Objects.requireNonNull(runnerOptions, "runnerOptions");
            return this;
        }

        /** How long a superseded version stays loaded after the watermark passes its end. */
        public Builder<IN, P, OUT> setAllowedLateness(Duration allowedLateness) {
            this.allowedLateness = Objects.requireNonNull(allowedLateness, "allowedLateness");
            return this;
        }

        /** How long a record may wait for the version it needs to finish loading. */
        public Builder<IN, P, OUT> setLoadTimeout(Duration loadTimeout) {
            this.loadTimeout = Objects.requireNonNull(loadTimeout, "loadTimeout");
            return this;
        }

        /** How often each subtask reports what it holds (0 disables heartbeats). */
        public Builder<IN, P, OUT> setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
            return this;
        }

        /** A release known at submission (e.g. from job configuration), added to the timeline. */
        public Builder<IN, P, OUT> addInitialRelease(ModelRelease release) {
            this.initialReleases.add(Objects.requireNonNull(release, "release"));
            return this;
        }

        /**
         * A release that was on the control topic when the job was submitted. Each subtask
         * receives these before any record or control message, exactly as if they had arrived
         * first on the control input (same checks, same reports), so that a backlog of data read
         * on a fresh start or a replay cannot overtake them: the operator does not order its data
         * and control inputs. They arrive again on the control stream, as duplicates.
         */
        public Builder<IN, P, OUT> addPublishedRelease(ModelRelease release) {
            this.publishedReleases.add(Objects.requireNonNull(release, "release"));
            return this;
        }

        /** Site and job names written into status reports. */
        public Builder<IN, P, OUT> setSite(String siteId, String jobName) {
            this.siteId = Objects.requireNonNull(siteId, "siteId");
            this.jobName = Objects.requireNonNull(jobName, "jobName");
            return this;
        }

        /** The result operator's uid (stable across versions of the job for savepoints). */
        public Builder<IN, P, OUT> setUid(String uid) {
            this.uid = Objects.requireNonNull(uid, "uid");
            return this;
        }

        public VersionedInference<IN, P, OUT> build() {
            require(modelName, "setModelName(name): the model this operator serves");
            if (handlerFactory == null) {
                require(adapter, "setAdapter(...): the pre/post-processing for " + modelName);
            }
            require(resultBuilder, "setResultBuilder(...): how to shape each result");
            require(resultType, "setResultType(MyResult.class)");
            require(eventTime, "setEventTime(record -> epochMillis): versions are chosen by event time");
            require(routingKey, "setRoutingKey(record -> key): canary buckets need a stable key");
            if (!latencyBudget.isZero() && adapter == null) {
                throw new IllegalStateException("missing: call setAdapter(...): the latency budget times batches of"
                        + " the adapter's warm-up records");
            }
            if (allowedLateness.isNegative()) {
                throw new IllegalArgumentException("allowed lateness must be >= 0, got " + allowedLateness);
            }
            if (loadTimeout.isZero() || loadTimeout.isNegative()) {
                throw new IllegalArgumentException("load timeout must be > 0, got " + loadTimeout);
            }
            for (ModelRelease r : initialReleases) {
                if (!r.model().equals(modelName)) {
                    throw new IllegalArgumentException(
                            "initial release " + r.releaseId() + " is for model '" + r.model() + "', not '" + modelName + "'");
                }
            }
            OutputTag<ModelStatus> statusTag =
                    new OutputTag<>("model-status-" + modelName, TypeInformation.of(ModelStatus.class));
            InferenceSettings<IN, P, OUT> settings = new InferenceSettings<>(
                    modelName, adapter, resultBuilder, eventTime, routingKey, fetcher, runnerOptions,
                    allowedLateness.toMillis(), loadTimeout.toMillis(), heartbeatInterval.toMillis(),
                    List.copyOf(initialReleases), List.copyOf(publishedReleases), siteId, jobName, statusTag, trustedKeys,
                    modelCacheDir.toAbsolutePath().toString(), maxModelBytes, keepRecentModels,
                    batchMaxSize, batchMaxDelay.toMillis(), batchFillFromQueue,
                    handlerFactory != null ? handlerFactory : new OnnxModelHandlerFactory<>(adapter, runnerOptions),
                    stagingLimits,
                    latencyBudget.toNanos(),
                    warmup.toMillis(),
                    siteLabels, predictionSummary, deprecationPolicy);
            return new VersionedInference<>(settings, resultType, uid);
        }

        private static void require(Object value, String fix) {
            if (value == null) {
                throw new IllegalStateException("missing: call " + fix);
            }
        }
    }
}

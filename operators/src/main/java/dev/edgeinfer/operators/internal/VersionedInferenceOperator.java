package dev.edgeinfer.operators.internal;

import dev.edgeinfer.operators.VersionedInference;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.ResultBuilder;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Scores every record with the model version the release timeline assigns to its event time
 * and key, and rolls over to new versions in flight. Input 1 carries the data, input 2 the
 * (broadcast) {@link ModelRelease}s; the output carries results with lineage, and a side output
 * ({@link #statusTag()}) reports what each subtask stages, activates, rejects and retires.
 *
 * <p>Create it through {@link VersionedInference}, which wires the control stream for you.
 *
 * <p><b>Guarantees and caveats.</b>
 *
 * <ul>
 *   <li><b>One predictable version per record.</b> The version is
 *       {@link ReleaseTimeline#resolve} of the record's event time and routing key, a pure
 *       function of the releases received (in any order) minus those this subtask rejected.
 *   <li><b>Stage before activate.</b> A release is fetched, sha256-verified, loaded, checked
 *       against its declared signature and the adapter, and warmed up on a background thread
 *       while the current version keeps serving. A record that needs a version still loading
 *       waits for it (the task blocks: backpressure); it is never scored by another version.
 *   <li><b>Rejected releases</b> (bad bytes, wrong signature, not ONNX, ...) are reported on the
 *       status output and dropped from this subtask's timeline; records fall back to the
 *       version the remaining timeline assigns. Rejections that depend only on the release's
 *       bytes happen identically on every subtask.
 *   <li><b>Late records.</b> A version stays loaded until the watermark passes the next
 *       activation plus the allowed lateness. A record later than that is still scored by the
 *       version that owns its event time: the version is loaded again (slowly) and counted.
 *   <li><b>Late activations.</b> A release whose {@code activateAt} is not after the newest
 *       event time this subtask already scored is applied at once with boundary
 *       {@code newest + 1}, reported as {@code LATE_ACTIVATION} with that boundary and counted
 *       ({@code lateActivations}): records with event time {@code >= boundary} resolve against
 *       the timeline including it (at its own {@code activateAt}, so it never overtakes a newer
 *       activation), records before the boundary against the timeline without it, so no event
 *       time already scored changes version. Records no release covered before (waiting ones)
 *       resolve against the whole timeline. Such a boundary can differ between subtasks; each
 *       subtask keeps its own across a restore at the same parallelism (after rescaling, the
 *       latest of the merged subtasks').
 *   <li><b>Failover.</b> Releases live in broadcast state (checkpointed). After a restore each
 *       subtask rebuilds the timeline and loads what it needs, so versions are assigned exactly
 *       as before. The operator holds no records across calls, except records that arrived
 *       before any release covered their event time; those are kept in operator state until a
 *       release arrives.
 * </ul>
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 * @param <OUT> results emitted
 */
public final class VersionedInferenceOperator<IN, P, OUT> extends AbstractStreamOperator<OUT>
        implements TwoInputStreamOperator<IN, ControlMessage, OUT> {

    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VersionedInferenceOperator.class);
    private static final int FETCH_ATTEMPTS = 3;
    /** Key of the newest-scored-event-time entry in the per-subtask state (release ids always contain '@'). */
    private static final String NEWEST_ENTRY = "#newest";
    private static final long HOUSEKEEPING_INTERVAL_MS = 200;

    private final InferenceSettings<IN, P, OUT> settings;

    private transient BroadcastState<String, ModelRelease> releases;
    private transient ListState<IN> pendingState;
    private transient ListState<String> lateBoundaryState;
    /** releaseId -> boundary this subtask actually used (late activations only; per subtask). */
    private transient Map<String, Long> lateBoundaries;
    private transient List<IN> pending;
    /** Every accepted, not rejected release at its own activateAt (event times after every late boundary resolve against it). */
    private transient ReleaseTimeline timeline;
    /** Segment start -> the timeline without the late releases whose boundary is after that start. */
    private transient TreeMap<Long, ReleaseTimeline> segments;
    /** Records were restored while waiting for a release: try them on the next call. */
    private transient boolean flushPendingSoon;
    private transient Set<String> rejectedIds;
    /** Whether this subtask has received the releases published before submission. */
    private transient boolean publishedReceived;
    private transient Map<String, Staged<IN, P>> staged;
    private transient Map<String, SharedLoad<IN, P>> loads;
    private transient Set<String> activeReported;
    private transient ExecutorService stager;
    private transient ModelStore store;
    private transient volatile boolean closing;
    private transient long watermark;
    private transient long maxScoredEventTime;
    private transient long lastHeartbeat;
    private transient int subtask;
    private transient Counter scoredCounter;
    private transient Counter lateActivations;
    private transient Counter rejectedReleases;
    private transient Counter reloadsForLateRecords;
    private transient Counter loadWaitMillis;
    private transient org.apache.flink.metrics.Histogram batchSizes;
    /** The open micro-batch: records of one version, their event times, when it opened. */
    private transient List<IN> batch;
    private transient long[] batchEventTimes;
    private transient Staged<IN, P> batchModel;
    private transient long batchOpenedAt;

    @Internal
    public VersionedInferenceOperator(InferenceSettings<IN, P, OUT> settings) {
        this.settings = settings;
    }

    /** The side output carrying {@link ModelStatus} reports. */
    public OutputTag<ModelStatus> statusTag() {
        return settings.statusTag();
    }

    /**
     * One release being staged or loaded. Keyed by release id, not sha256: most verdicts (declared
     * signature, URI, size) belong to the release, so a bad release must not condemn good
     * releases of the same bytes. The bytes themselves are shared through the content-addressed
     * model cache, so a rollback stages from local disk.
     */
    private static final class Staged<IN, P> {
        final ModelRelease release;
        final SharedLoad<IN, P> load;
        /** The shared runner once it loaded and passed this release's own declared-signature check. */
        final CompletableFuture<OnnxModelRunner<IN, P>> runner;
        boolean reported;
        boolean reload;
        long scored;

        Staged(ModelRelease release, SharedLoad<IN, P> load, CompletableFuture<OnnxModelRunner<IN, P>> runner) {
            this.release = release;
            this.load = load;
            this.runner = runner;
        }
    }

    /**
     * One loaded ONNX Runtime session, shared by every release that names the same bytes at the
     * same source (a rollback to a version still loaded, or many activations of two versions,
     * cost no extra session). Keyed by sha256 and URI: a failure to fetch from one source never
     * condemns a release of the same bytes from another.
     */
    private static final class SharedLoad<IN, P> {
        final String key;
        final CompletableFuture<OnnxModelRunner<IN, P>> runner;

        SharedLoad(String key, CompletableFuture<OnnxModelRunner<IN, P>> runner) {
            this.key = key;
            this.runner = runner;
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        releases = context.getOperatorStateStore().getBroadcastState(ModelBroadcast.RELEASES_STATE);
        @SuppressWarnings("unchecked")
        TypeSerializer<IN> inSerializer =
                (TypeSerializer<IN>) getOperatorConfig().getTypeSerializerIn(0, getRuntimeContext().getUserCodeClassLoader());
        pendingState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("records-waiting-for-a-release", inSerializer));
        pending = new ArrayList<>();
        for (IN value : pendingState.get()) {
            pending.add(value);
        }
        // Per-subtask, unlike the releases: broadcast state must stay identical on every subtask.
        // Entries are "subtask|releaseId=boundary" and "subtask|#newest=eventTime" (union state:
        // every subtask gets all of them back).
        lateBoundaryState =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>("late-activation-boundaries", String.class));
        Map<Integer, Map<String, Long>> boundariesBySubtask = new HashMap<>();
        Map<Integer, Long> newestBySubtask = new HashMap<>();
        Map<String, Long> legacy = new HashMap<>();
        for (String entry : lateBoundaryState.get()) {
            int eq = entry.lastIndexOf('=');
            long value = Long.parseLong(entry.substring(eq + 1));
            int bar = entry.indexOf('|');
            Integer from = bar > 0 && entry.substring(0, bar).chars().allMatch(Character::isDigit)
                    ? Integer.valueOf(entry.substring(0, bar)) : null;
            if (from == null) {
                legacy.merge(entry.substring(0, eq), value, Math::max); // written before entries named their subtask
            } else if (entry.substring(bar + 1, eq).equals(NEWEST_ENTRY)) {
                newestBySubtask.merge(from, value, Math::max);
            } else {
                boundariesBySubtask.computeIfAbsent(from, k -> new HashMap<>()).merge(entry.substring(bar + 1, eq), value, Math::max);
            }
        }
        int index = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        boolean sameSubtasks = newestBySubtask.size() == parallelism && newestBySubtask.containsKey(index)
                && newestBySubtask.keySet().stream().allMatch(i -> i < parallelism);
        lateBoundaries = new HashMap<>(legacy);
        maxScoredEventTime = Long.MIN_VALUE;
        if (sameSubtasks) {
            // Same subtasks, same key groups: exactly what this subtask had.
            boundariesBySubtask.getOrDefault(index, Map.of()).forEach((id, b) -> lateBoundaries.merge(id, b, Math::max));
            maxScoredEventTime = newestBySubtask.get(index);
        } else {
            // After rescaling, several subtasks' boundaries meet: keep the latest, never scoring
            // a record with a version it could not have had before.
            boundariesBySubtask.values().forEach(m -> m.forEach((id, b) -> lateBoundaries.merge(id, b, Math::max)));
            for (long newest : newestBySubtask.values()) {
                maxScoredEventTime = Math.max(maxScoredEventTime, newest);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        watermark = Long.MIN_VALUE;
        store = ModelStore.open(Path.of(settings.modelCacheDir()), settings.maxModelBytes(), settings.keepRecentModels());
        rejectedIds = new HashSet<>();
        staged = new HashMap<>();
        loads = new HashMap<>();
        activeReported = new HashSet<>();
        stager =
                Executors.newSingleThreadExecutor(
                        runnable -> {
                            Thread thread = new Thread(runnable, "edgeinfer-model-stager-" + settings.modelName() + "-" + subtask);
                            thread.setDaemon(true);
                            return thread;
                        });
        MetricGroup metrics = getMetricGroup().addGroup("edgeinfer").addGroup("model", settings.modelName());
        scoredCounter = metrics.counter("scored");
        lateActivations = metrics.counter("lateActivations");
        rejectedReleases = metrics.counter("rejectedReleases");
        reloadsForLateRecords = metrics.counter("reloadsForLateRecords");
        loadWaitMillis = metrics.counter("loadWaitMillis");
        batchSizes = metrics.histogram("batchSize",
                new org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram(1000));
        batch = new ArrayList<>(settings.batchMaxSize());
        batchEventTimes = new long[settings.batchMaxSize()];
        metrics.gauge("loadedVersions", () -> staged == null ? 0 : staged.size());
        metrics.gauge("waitingRecords", () -> pending == null ? 0 : pending.size());

        for (ModelRelease initial : settings.initialReleases()) {
            if (!releases.contains(initial.releaseId())) {
                releases.put(initial.releaseId(), initial);
            }
        }
        rebuildTimeline();
        stageCurrentAndFuture();
        // Records restored while waiting for a release: one may cover them now (e.g. a release
        // added to the job's configuration). Scored on the first call after open(), not in it.
        flushPendingSoon = !pending.isEmpty();
        getProcessingTimeService()
                .scheduleWithFixedDelay(time -> housekeeping(), HOUSEKEEPING_INTERVAL_MS, HOUSEKEEPING_INTERVAL_MS);
    }

    // ---------------------------------------------------------------------------------------
    // data

    @Override
    public void processElement1(StreamRecord<IN> record) throws Exception {
        drainStaging();
        IN value = record.getValue();
        if (!score(value)) {
            pending.add(value);
        }
    }

    /** Scores {@code value}; returns false if no release covers its event time yet. */
    private boolean score(IN value) throws Exception {
        long eventTime = settings.eventTime().apply(value);
        String key = settings.routingKey().getKey(value);
        while (true) {
            Optional<ModelRelease> resolved = resolve(eventTime, key);
            if (resolved.isEmpty()) {
                return false;
            }
            ModelRelease release = resolved.get();
            Staged<IN, P> model = stage(release, true);
            OnnxModelRunner<IN, P> runner = awaitRunner(model);
            if (runner == null) {
                continue; // rejected: the timeline changed, resolve again
            }
            // The record's version is fixed now; it waits in the micro-batch of that version only.
            if (batchModel != null && batchModel != model) {
                flushBatch();
            }
            if (batch.isEmpty()) {
                batchModel = model;
                batchOpenedAt = getProcessingTimeService().getCurrentProcessingTime();
                if (settings.batchMaxDelayMillis() > 0) {
                    long due = batchOpenedAt + settings.batchMaxDelayMillis();
                    getProcessingTimeService().registerTimer(due, time -> flushBatchIfOpenedBy(due));
                }
            }
            batch.add(value);
            batchEventTimes[batch.size() - 1] = eventTime;
            maxScoredEventTime = Math.max(maxScoredEventTime, eventTime);
            if (batch.size() >= settings.batchMaxSize() || settings.batchMaxDelayMillis() == 0) {
                flushBatch();
            }
            return true;
        }
    }

    private void flushBatchIfOpenedBy(long due) throws Exception {
        if (!batch.isEmpty() && batchOpenedAt + settings.batchMaxDelayMillis() <= due) {
            flushBatch();
        }
    }

    /**
     * Scores the open micro-batch (all one version) in one ONNX Runtime call and emits its
     * results in arrival order. Called when the batch is full or old enough, before another
     * version's record, before every watermark and checkpoint barrier, and at end of input: no
     * record is ever held in state or behind a watermark.
     */
    private void flushBatch() {
        if (batch.isEmpty()) {
            return;
        }
        Staged<IN, P> model = batchModel;
        ModelRelease release = model.release;
        long started = System.nanoTime();
        List<P> predictions = model.runner.join().predict(batch);
        long took = System.nanoTime() - started;
        for (int i = 0; i < batch.size(); i++) {
            output.collect(new StreamRecord<>(
                    settings.resultBuilder().build(batch.get(i), predictions.get(i), release.modelId(), took),
                    batchEventTimes[i]));
        }
        model.scored += batch.size();
        scoredCounter.inc(batch.size());
        batchSizes.update(batch.size());
        batch.clear();
        batchModel = null;
        if (activeReported.add(release.releaseId())) {
            emitStatus(release, ModelStatus.State.ACTIVE, null, null, null, model.scored);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flushBatch();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    /**
     * The release for a record: resolved against the timeline as it stood for {@code eventTime}
     * (late releases count only from their boundary on); where that covers nothing, against the
     * whole timeline (no record with such an event time was scored, so nothing changes version).
     */
    private Optional<ModelRelease> resolve(long eventTime, String key) {
        Optional<ModelRelease> resolved = segments.floorEntry(eventTime).getValue().resolve(settings.modelName(), eventTime, key);
        return resolved.isPresent() ? resolved : timeline.resolve(settings.modelName(), eventTime, key);
    }

    /** Waits for a staging model; returns null (after reporting) if it was rejected. */
    private OnnxModelRunner<IN, P> awaitRunner(Staged<IN, P> model) throws Exception {
        if (!model.runner.isDone()) {
            long started = System.nanoTime();
            try {
                model.runner.get(settings.loadTimeoutMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(
                        "model " + model.release.modelId() + " is still loading after " + settings.loadTimeoutMillis()
                                + " ms; records that need it cannot be scored (raise the load timeout if the model is that large)",
                        e);
            } catch (ExecutionException e) {
                // reported below
            } finally {
                loadWaitMillis.inc(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
        }
        try {
            OnnxModelRunner<IN, P> runner = model.runner.join();
            reportStaged(model);
            return runner;
        } catch (CompletionException e) {
            reject(model, e.getCause());
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------
    // releases

    @Override
    public void processElement2(StreamRecord<ControlMessage> record) throws Exception {
        // Signature, size and source are checked here, on receipt: a rejected release never enters
        // the timeline, and the verdict is the same on every subtask (cached bytes or not).
        drainStaging();
        ControlMessage message = record.getValue();
        if (message instanceof ControlMessage.Rejected rejected) {
            // Not a usable release at all (bad JSON, missing field, ...): report, keep serving.
            if (rejected.modelHint().map(settings.modelName()::equals).orElse(true)) {
                emitStatus(new ModelStatus(settings.siteId(), settings.jobName(), subtask, settings.modelName(),
                        null, null, rejected.keyAsString(), ModelStatus.State.REJECTED, rejected.reason().name(),
                        rejected.detail() + " (" + rejected.topic() + "/" + rejected.partition() + "/" + rejected.offset() + ")",
                        0L, null, System.currentTimeMillis(), 0L));
            }
            return;
        }
        receive(((ControlMessage.Release) message).release());
    }

    /**
     * Receives the releases that were on the control topic at submission, once, before anything
     * else this subtask does: as if they had arrived first on the control input.
     */
    private void receivePublishedOnce() throws Exception {
        if (publishedReceived) {
            return;
        }
        publishedReceived = true;
        for (ModelRelease release : settings.publishedReleases()) {
            receive(release);
        }
    }

    /** Judges a release on receipt (model, duplicate, signature, size, source, lateness) and adds it to the timeline. */
    private void receive(ModelRelease release) throws Exception {
        if (!release.model().equals(settings.modelName())) {
            emitStatus(release, ModelStatus.State.REJECTED, "NOT_SERVED",
                    "this job serves model '" + settings.modelName() + "', not '" + release.model() + "'", null, 0);
            return;
        }
        if (releases.contains(release.releaseId())) {
            return; // a duplicate delivery: the timeline is a set
        }
        if (!settings.trustedKeys().isEmpty()) {
            try {
                ReleaseSigning.verify(release, settings.trustedKeys());
            } catch (ReleaseSignatureException e) {
                rejectedReleases.inc();
                emitStatus(release, ModelStatus.State.REJECTED, e.reason().name(), e.getMessage(), null, 0);
                return;
            }
        }
        if (release.sizeBytes() > settings.maxModelBytes()) {
            rejectedReleases.inc();
            emitStatus(release, ModelStatus.State.REJECTED, ModelFetchException.Reason.TOO_LARGE.name(),
                    "declares " + release.sizeBytes() + " bytes; this job accepts models up to " + settings.maxModelBytes(),
                    null, 0);
            return;
        }
        try {
            settings.fetcher().checkSource(release);
        } catch (ModelFetchException e) {
            rejectedReleases.inc();
            emitStatus(release, ModelStatus.State.REJECTED, e.reason().name(), e.getMessage(), null, 0);
            return;
        }
        if (release.activateAt() <= maxScoredEventTime) {
            long boundary = maxScoredEventTime + 1;
            lateBoundaries.put(release.releaseId(), boundary);
            lateActivations.inc();
            emitStatus(release, ModelStatus.State.LATE_ACTIVATION, "ARRIVED_AFTER_DATA",
                    "records up to event time " + maxScoredEventTime + " were already scored; applied to event times from "
                            + boundary + " on instead of from " + release.activateAt(),
                    boundary, 0);
        }
        releases.put(release.releaseId(), release);
        rebuildTimeline();
        stageCurrentAndFuture();
        flushPending();
    }

    private void rebuildTimeline() throws Exception {
        List<ModelRelease> all = new ArrayList<>();
        for (Map.Entry<String, ModelRelease> entry : releases.entries()) {
            all.add(entry.getValue());
        }
        timeline = ReleaseTimeline.of(all).without(r -> rejectedIds.contains(r.releaseId()));
        // A late release must not move: placed at its boundary it would overtake every newer
        // activation before that boundary. It is left out of the event times before its boundary.
        TreeSet<Long> starts = new TreeSet<>(lateBoundaries.values());
        starts.add(Long.MIN_VALUE);
        segments = new TreeMap<>();
        for (long start : starts) {
            segments.put(start, timeline.without(r -> {
                Long boundary = lateBoundaries.get(r.releaseId());
                return boundary != null && boundary > start;
            }));
        }
    }

    /** Eagerly stages the version serving now and every later activation (stage before activate). */
    private void stageCurrentAndFuture() {
        long now = Math.max(watermark, maxScoredEventTime);
        List<ModelRelease> activations = timeline.activations(settings.modelName());
        long currentStart = Long.MIN_VALUE;
        for (ModelRelease r : activations) {
            if (r.activateAt() <= now) {
                currentStart = Math.max(currentStart, r.activateAt());
            }
        }
        for (ModelRelease r : activations) {
            if (r.activateAt() >= currentStart) {
                stage(r, false);
            }
        }
    }

    private Staged<IN, P> stage(ModelRelease release, boolean forRecord) {
        Staged<IN, P> existing = staged.get(release.releaseId());
        if (existing != null) {
            return existing;
        }
        boolean reload = forRecord && activeReported.contains(release.releaseId());
        if (reload) {
            reloadsForLateRecords.inc();
        }
        SharedLoad<IN, P> load = sharedLoad(release);
        CompletableFuture<OnnxModelRunner<IN, P>> checked = load.runner.thenApply(runner -> {
            // The bytes are shared; the declared signature is this release's own claim.
            String mismatch = new DeclaredSignatureCheck(release.signature()).checkSignature(runner.signature());
            if (mismatch != null) {
                throw new CompletionException(new ModelLoadException(release.modelId(), null,
                        ModelLoadException.Reason.SIGNATURE_MISMATCH, "signature " + runner.signature()
                                + " differs from the declared one: " + mismatch));
            }
            return runner;
        });
        Staged<IN, P> model = new Staged<>(release, load, checked);
        model.reload = reload;
        staged.put(release.releaseId(), model);
        return model;
    }

    private SharedLoad<IN, P> sharedLoad(ModelRelease release) {
        // The translator is built from the release (its metadata: labels, normalisation), so releases
        // share a session only if that is the same too.
        String key = release.sha256() + "|" + release.uri() + "|" + new TreeMap<>(release.metadata());
        SharedLoad<IN, P> existing = loads.get(key);
        if (existing != null && !existing.runner.isCompletedExceptionally()) {
            return existing;
        }
        CompletableFuture<OnnxModelRunner<IN, P>> future = new CompletableFuture<>();
        stager.execute(() -> {
            try {
                future.complete(load(release));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        future.whenComplete((runner, error) -> {
            if (closing && runner != null) {
                runner.close(); // finished loading after the operator closed
            }
        });
        SharedLoad<IN, P> load = new SharedLoad<>(key, future);
        loads.put(key, load);
        return load;
    }

    /** Runs on the staging thread: fetch (with retries), verify, load, check, warm up. */
    private OnnxModelRunner<IN, P> load(ModelRelease release) throws Exception {
        ModelStore.Lease lease = null;
        for (int attempt = 1; lease == null; attempt++) {
            try {
                // Cache first (content-addressed, verified), then the release's source.
                lease = store.lease(release, settings.fetcher());
            } catch (ModelFetchException e) {
                if (!e.retriable() || attempt >= FETCH_ATTEMPTS || closing) {
                    throw e;
                }
                Thread.sleep(200L * attempt);
            }
        }
        try (ModelStore.Lease held = lease) {
            return OnnxModelRunner.load(
                    release.modelId(),
                    held.path(),
                    settings.adapter().newTranslator(release),
                    settings.runnerOptions(),
                    settings.adapter().warmupBatch());
        }
    }

    /** Task thread: reports finished stagings and applies rejections. */
    private void drainStaging() throws Exception {
        receivePublishedOnce();
        boolean changed = flushPendingSoon;
        flushPendingSoon = false;
        for (Staged<IN, P> model : new ArrayList<>(staged.values())) {
            if (!model.runner.isDone() || model.reported) {
                continue;
            }
            if (model.runner.isCompletedExceptionally()) {
                try {
                    model.runner.join();
                } catch (CompletionException e) {
                    reject(model, e.getCause());
                    changed = true;
                }
            } else {
                reportStaged(model);
            }
        }
        if (changed) {
            flushPending();
        }
    }

    private void reportStaged(Staged<IN, P> model) {
        if (!model.reported) {
            model.reported = true;
            emitStatus(model.release, ModelStatus.State.STAGED, model.reload ? "RELOADED_FOR_LATE_RECORD" : null,
                    null, null, 0);
        }
    }

    private void reject(Staged<IN, P> model, Throwable cause) throws Exception {
        staged.remove(model.release.releaseId());
        closeUnusedLoads();
        rejectedIds.add(model.release.releaseId());
        rejectedReleases.inc();
        String reason;
        if (cause instanceof ModelLoadException load) {
            reason = load.reason().name();
        } else if (cause instanceof ModelFetchException fetch) {
            reason = fetch.reason().name();
        } else if (cause instanceof InterruptedException || closing) {
            return; // shutting down, not a verdict on the model
        } else {
            // Unknown failure while staging: fail over loudly rather than guess.
            throw new IllegalStateException("staging " + model.release.modelId() + " failed unexpectedly", cause);
        }
        emitStatus(model.release, ModelStatus.State.REJECTED, reason, cause.getMessage(), null, 0);
        rebuildTimeline();
    }

    private void flushPending() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        Iterator<IN> it = pending.iterator();
        while (it.hasNext()) {
            if (score(it.next())) {
                it.remove();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // time

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        drainStaging();
        flushBatch(); // results must not fall behind the watermark that follows them
        watermark = mark.getTimestamp();
        retireUnneeded();
        output.emitWatermark(mark);
    }

    /** The control stream carries no event time; only the data input drives watermarks. */
    @Override
    public void processWatermark2(Watermark mark) {}

    @Override
    protected void processWatermarkStatus(WatermarkStatus status, int index) {
        if (index == 0) {
            output.emitWatermarkStatus(status);
        }
    }

    private void retireUnneeded() {
        if (watermark == Long.MIN_VALUE) {
            return;
        }
        long lateness = settings.allowedLatenessMillis();
        long horizon = watermark < Long.MIN_VALUE + lateness ? Long.MIN_VALUE : watermark - lateness;
        Set<String> neededIds = new HashSet<>(timeline.neededReleaseIds(watermark, lateness));
        for (Map.Entry<Long, ReleaseTimeline> segment : segments.entrySet()) {
            Long end = segments.higherKey(segment.getKey());
            if (end == null || end > horizon) {
                neededIds.addAll(segment.getValue().neededReleaseIds(watermark, lateness));
            }
        }
        Iterator<Map.Entry<String, Staged<IN, P>>> it = staged.entrySet().iterator();
        while (it.hasNext()) {
            Staged<IN, P> model = it.next().getValue();
            if (neededIds.contains(model.release.releaseId()) || !model.runner.isDone()
                    || model.runner.isCompletedExceptionally()) {
                continue;
            }
            it.remove();
            closeUnusedLoads();
            emitStatus(model.release, ModelStatus.State.RETIRED, null,
                    "watermark " + watermark + " passed its last activation plus " + settings.allowedLatenessMillis()
                            + " ms allowed lateness",
                    null, model.scored);
            Set<String> pinned = new HashSet<>();
            for (ModelRelease r : timeline.activations(settings.modelName())) {
                if (neededIds.contains(r.releaseId())) {
                    pinned.add(r.sha256());
                }
            }
            staged.values().forEach(m -> pinned.add(m.release.sha256()));
            // Evicting touches the disk: do it on the staging thread, not the task thread.
            stager.execute(() -> {
                try {
                    store.retain(pinned);
                } catch (java.io.IOException e) {
                    LOG.warn("could not trim the model cache {}: {}", store.root(), e.toString());
                }
            });
        }
    }

    /** Closes every shared session no staged release uses any more (native memory freed). */
    private void closeUnusedLoads() {
        Set<String> used = new HashSet<>();
        staged.values().forEach(m -> used.add(m.load.key));
        Iterator<Map.Entry<String, SharedLoad<IN, P>>> it = loads.entrySet().iterator();
        while (it.hasNext()) {
            SharedLoad<IN, P> load = it.next().getValue();
            if (used.contains(load.key) || !load.runner.isDone()) {
                continue;
            }
            if (!load.runner.isCompletedExceptionally()) {
                load.runner.join().close();
            }
            it.remove();
        }
    }

    private void housekeeping() throws Exception {
        drainStaging();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (settings.heartbeatIntervalMillis() > 0 && now - lastHeartbeat >= settings.heartbeatIntervalMillis()) {
            lastHeartbeat = now;
            for (Staged<IN, P> model : staged.values()) {
                if (model.runner.isDone() && !model.runner.isCompletedExceptionally()) {
                    emitStatus(model.release, ModelStatus.State.HEARTBEAT, null, null, null, model.scored);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // lifecycle and state

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        pendingState.update(pending);
        List<String> boundaries = new ArrayList<>();
        lateBoundaries.forEach((id, boundary) -> boundaries.add(subtask + "|" + id + "=" + boundary));
        boundaries.add(subtask + "|" + NEWEST_ENTRY + "=" + maxScoredEventTime);
        lateBoundaryState.update(boundaries);
    }

    @Override
    public void finish() throws Exception {
        flushBatch();
        if (!pending.isEmpty()) {
            throw new IllegalStateException(pending.size() + " records reached the end of input before any release of '"
                    + settings.modelName() + "' covered their event time; publish a release that activates at or before them");
        }
        super.finish();
    }

    @Override
    public void close() throws Exception {
        closing = true;
        try {
            if (stager != null) {
                stager.shutdownNow();
            }
            if (loads != null) {
                for (SharedLoad<IN, P> load : loads.values()) {
                    if (load.runner.isDone()) {
                        if (!load.runner.isCompletedExceptionally()) {
                            load.runner.join().close();
                        }
                    } else {
                        load.runner.whenComplete((runner, error) -> {
                            if (runner != null) {
                                runner.close();
                            }
                        });
                    }
                }
                loads.clear();
                staged.clear();
            }
        } finally {
            super.close();
        }
    }

    private void emitStatus(ModelRelease release, ModelStatus.State state, String reason, String detail,
            Long effectiveBoundary, long scored) {
        emitStatus(new ModelStatus(
                settings.siteId(), settings.jobName(), subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), state, reason, detail, release.activateAt(), effectiveBoundary,
                System.currentTimeMillis(), scored));
    }

    private void emitStatus(ModelStatus status) {
        output.collect(settings.statusTag(), new StreamRecord<>(status));
    }
}

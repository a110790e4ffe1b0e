package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.VersionedInference;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
 * <p><b>Parts.</b> This class owns the Flink lifecycle and routing (inputs, watermarks, timers,
 * state, status side output, metrics) and wires: {@link ReleaseIntake} (verdicts on receipt),
 * {@link ActivationTimeline} (which release scores which record), {@link ModelStager} (fetch,
 * load through a {@link dev.edgeinfer.operators.model.ModelHandlerFactory}, retire),
 * {@link MicroBatcher} (batches of one version) and {@link SubtaskProgress} (per-subtask state).
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 * @param <OUT> results emitted
 */
@Internal
public final class VersionedInferenceOperator<IN, P, OUT> extends AbstractStreamOperator<OUT>
        implements TwoInputStreamOperator<IN, ControlMessage, OUT> {

    private static final long serialVersionUID = 1L;
    private static final long HOUSEKEEPING_INTERVAL_MS = 200;
    /** Per-subtask progress ({@link SubtaskProgress}), union state: every subtask gets every entry back. */
    static final String PROGRESS_STATE = "subtask-progress";
    /** The strings EdgeInfer 0.1.0 kept the same progress in: read on restore, then cleared. */
    static final String LEGACY_PROGRESS_STATE = "late-activation-boundaries";

    private final InferenceSettings<IN, P, OUT> settings;

    private transient BroadcastState<String, ModelRelease> releases;
    private transient ListState<IN> pendingState;
    private transient ListState<SubtaskProgress> progressState;
    private transient SubtaskProgress restoredProgress;
    private transient List<IN> pending;
    /** Records were restored while waiting for a release: try them on the next call. */
    private transient boolean flushPendingSoon;
    /** Whether this subtask has received the releases published before submission. */
    private transient boolean publishedReceived;
    private transient ReleaseIntake intake;
    private transient ActivationTimeline timeline;
    private transient ModelStager<IN, P> stager;
    private transient MicroBatcher<IN, ModelStager.Staged<IN, P>> batcher;
    private transient Set<String> activeReported;
    private transient long watermark;
    private transient long lastHeartbeat;
    private transient int subtask;
    private transient Counter scoredCounter;
    private transient Counter lateActivations;
    private transient Counter rejectedReleases;
    private transient Counter reloadsForLateRecords;
    private transient Histogram batchSizes;

    public VersionedInferenceOperator(InferenceSettings<IN, P, OUT> settings) {
        this.settings = settings;
    }

    /** The side output carrying {@link ModelStatus} reports. */
    public OutputTag<ModelStatus> statusTag() {
        return settings.statusTag();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        OperatorStateStore store = context.getOperatorStateStore();
        releases = store.getBroadcastState(ModelBroadcast.RELEASES_STATE);
        @SuppressWarnings("unchecked")
        TypeSerializer<IN> inSerializer =
                (TypeSerializer<IN>) getOperatorConfig().getTypeSerializerIn(0, getRuntimeContext().getUserCodeClassLoader());
        pendingState = store.getListState(new ListStateDescriptor<>("records-waiting-for-a-release", inSerializer));
        pending = new ArrayList<>();
        pendingState.get().forEach(pending::add);
        // Per subtask, unlike the releases: broadcast state must stay identical on every subtask.
        progressState = store.getUnionListState(new ListStateDescriptor<>(PROGRESS_STATE, SubtaskProgressSerializer.INSTANCE));
        List<SubtaskProgress> restored = new ArrayList<>();
        progressState.get().forEach(restored::add);
        if (store.getRegisteredStateNames().contains(LEGACY_PROGRESS_STATE)) {
            ListState<String> legacy = store.getUnionListState(new ListStateDescriptor<>(LEGACY_PROGRESS_STATE, String.class));
            restored.addAll(SubtaskProgress.fromLegacyEntries(legacy.get()));
            legacy.clear(); // carried in the new state from now on
        }
        restoredProgress = SubtaskProgress.restore(restored, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
    }

    @Override
    public void open() throws Exception {
        super.open();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        watermark = Long.MIN_VALUE;
        activeReported = new HashSet<>();
        MetricGroup metrics = getMetricGroup().addGroup("edgeinfer").addGroup("model", settings.modelName());
        scoredCounter = metrics.counter("scored");
        lateActivations = metrics.counter("lateActivations");
        rejectedReleases = metrics.counter("rejectedReleases");
        reloadsForLateRecords = metrics.counter("reloadsForLateRecords");
        Counter loadWaitMillis = metrics.counter("loadWaitMillis");
        batchSizes = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("loadedVersions", () -> stager == null ? 0 : stager.size());
        metrics.gauge("waitingRecords", () -> pending == null ? 0 : pending.size());

        intake = new ReleaseIntake(settings.modelName(), settings.trustedKeys(), settings.maxModelBytes(), settings.fetcher());
        ModelStore store = ModelStore.open(Path.of(settings.modelCacheDir()), settings.maxModelBytes(), settings.keepRecentModels());
        stager = new ModelStager<>(settings.handlerFactory(), store, settings.fetcher(),
                "edgeinfer-model-stager-" + settings.modelName() + "-" + subtask, settings.loadTimeoutMillis(), loadWaitMillis::inc);
        batcher = new MicroBatcher<>(settings.batchMaxSize(), settings.batchMaxDelayMillis(), this::emitBatch,
                due -> getProcessingTimeService().registerTimer(due, time -> batcher.onTimer(due)));

        for (ModelRelease initial : settings.initialReleases()) {
            if (!releases.contains(initial.releaseId())) {
                releases.put(initial.releaseId(), initial);
            }
        }
        timeline = new ActivationTimeline(settings.modelName());
        timeline.restore(restoredProgress);
        List<ModelRelease> all = new ArrayList<>();
        for (Map.Entry<String, ModelRelease> entry : releases.entries()) {
            all.add(entry.getValue());
        }
        timeline.addAll(all);
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

    /** Scores {@code value} (in a micro-batch of its version); returns false if no release covers its event time yet. */
    private boolean score(IN value) throws Exception {
        long eventTime = settings.eventTime().apply(value);
        String key = settings.routingKey().getKey(value);
        while (true) {
            Optional<ModelRelease> resolved = timeline.resolve(eventTime, key);
            if (resolved.isEmpty()) {
                return false;
            }
            ModelStager.Staged<IN, P> model = stage(resolved.get(), true);
            if (stager.await(model) == null) {
                reject(model);
                continue; // the timeline changed: resolve again
            }
            reportStaged(model);
            // The record's version is fixed now; it waits in the micro-batch of that version only.
            timeline.scored(eventTime);
            batcher.add(model, value, eventTime, getProcessingTimeService().getCurrentProcessingTime());
            return true;
        }
    }

    /**
     * Scores a micro-batch (all one version) in one call and emits its results in arrival order.
     * Batches are flushed when full or old enough, before another version's record, before every
     * watermark and checkpoint barrier, and at end of input: no record is held in state or
     * behind a watermark.
     */
    private void emitBatch(ModelStager.Staged<IN, P> model, List<IN> batch, long[] eventTimes) {
        ModelRelease release = model.release;
        long started = System.nanoTime();
        List<P> predictions = model.handler().predict(batch);
        long took = System.nanoTime() - started;
        for (int i = 0; i < batch.size(); i++) {
            output.collect(new StreamRecord<>(
                    settings.resultBuilder().build(batch.get(i), predictions.get(i), release.modelId(), took), eventTimes[i]));
        }
        model.scored += batch.size();
        scoredCounter.inc(batch.size());
        batchSizes.update(batch.size());
        if (activeReported.add(release.releaseId())) {
            emitStatus(release, ModelStatus.State.ACTIVE, null, null, null, model.scored);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        batcher.flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    private void flushPending() throws Exception {
        Iterator<IN> it = pending.iterator();
        while (it.hasNext()) {
            if (score(it.next())) {
                it.remove();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // releases and staging

    @Override
    public void processElement2(StreamRecord<ControlMessage> record) throws Exception {
        drainStaging();
        ControlMessage message = record.getValue();
        if (message instanceof ControlMessage.Rejected rejected) {
            // Not a usable release at all (bad JSON, missing field, ...): report, keep serving.
            intake.judge(rejected).ifPresent(verdict -> emitStatus(new ModelStatus(settings.siteId(), settings.jobName(),
                    subtask, settings.modelName(), null, null, rejected.keyAsString(), ModelStatus.State.REJECTED,
                    verdict.reason(), verdict.detail(), 0L, null, System.currentTimeMillis(), 0L)));
            return;
        }
        receive(((ControlMessage.Release) message).release());
    }

    /**
     * Receives the releases that were on the control topic at submission, once, before anything
     * else this subtask does: as if they had arrived first on the control input.
     */
    private void receivePublishedOnce() throws Exception {
        if (!publishedReceived) {
            publishedReceived = true;
            for (ModelRelease release : settings.publishedReleases()) {
                receive(release);
            }
        }
    }

    /** Judges a release on receipt; accepted ones enter the timeline and (broadcast) state. */
    private void receive(ModelRelease release) throws Exception {
        ReleaseIntake.Verdict verdict = intake.judge(release, timeline.contains(release.releaseId()),
                timeline.newestScoredEventTime());
        if (verdict instanceof ReleaseIntake.Verdict.Duplicate) {
            return; // a redelivery: the timeline is a set
        } else if (verdict instanceof ReleaseIntake.Verdict.Rejected rejected) {
            if (rejected.counted()) {
                rejectedReleases.inc();
            }
            emitStatus(release, ModelStatus.State.REJECTED, rejected.reason(), rejected.detail(), null, 0);
            return;
        } else if (verdict instanceof ReleaseIntake.Verdict.Late late) {
            lateActivations.inc();
            emitStatus(release, ModelStatus.State.LATE_ACTIVATION, "ARRIVED_AFTER_DATA", late.detail(), late.boundary(), 0);
            timeline.addLate(release, late.boundary());
        } else {
            timeline.add(release);
        }
        releases.put(release.releaseId(), release);
        stageCurrentAndFuture();
        flushPending();
    }

    /** Eagerly stages the version serving now and every later activation (stage before activate). */
    private void stageCurrentAndFuture() {
        for (ModelRelease release : timeline.toStageNow(watermark)) {
            stage(release, false);
        }
    }

    private ModelStager.Staged<IN, P> stage(ModelRelease release, boolean forRecord) {
        boolean reload = forRecord && !stager.isStaged(release.releaseId()) && activeReported.contains(release.releaseId());
        if (reload) {
            reloadsForLateRecords.inc();
        }
        return stager.stage(release, reload);
    }

    /** Task thread: reports finished stagings and applies rejections. */
    private void drainStaging() throws Exception {
        receivePublishedOnce();
        boolean changed = flushPendingSoon;
        flushPendingSoon = false;
        for (ModelStager.Staged<IN, P> model : stager.finishedUnreported()) {
            if (model.isFailed()) {
                reject(model);
                changed = true;
            } else {
                reportStaged(model);
            }
        }
        if (changed) {
            flushPending();
        }
    }

    private void reportStaged(ModelStager.Staged<IN, P> model) {
        if (stager.markReported(model)) {
            emitStatus(model.release, ModelStatus.State.STAGED, model.reload ? "RELOADED_FOR_LATE_RECORD" : null, null, null, 0);
        }
    }

    private void reject(ModelStager.Staged<IN, P> model) {
        Optional<ModelStager.Rejection> rejection = stager.reject(model);
        timeline.reject(model.release.releaseId());
        rejection.ifPresent(r -> {
            rejectedReleases.inc();
            emitStatus(r.release(), ModelStatus.State.REJECTED, r.reason(), r.detail(), null, 0);
        });
    }

    // ---------------------------------------------------------------------------------------
    // time

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        drainStaging();
        batcher.flush(); // results must not fall behind the watermark that follows them
        watermark = mark.getTimestamp();
        if (watermark != Long.MIN_VALUE) {
            Set<String> needed = timeline.neededReleaseIds(watermark, settings.allowedLatenessMillis());
            for (ModelStager.Staged<IN, P> model : stager.retireAllBut(needed, timeline.sha256sOf(needed))) {
                emitStatus(model.release, ModelStatus.State.RETIRED, null, "watermark " + watermark
                        + " passed its last activation plus " + settings.allowedLatenessMillis() + " ms allowed lateness",
                        null, model.scored);
            }
        }
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

    private void housekeeping() throws Exception {
        drainStaging();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (settings.heartbeatIntervalMillis() > 0 && now - lastHeartbeat >= settings.heartbeatIntervalMillis()) {
            lastHeartbeat = now;
            for (ModelStager.Staged<IN, P> model : stager.ready()) {
                emitStatus(model.release, ModelStatus.State.HEARTBEAT, null, null, null, model.scored);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // lifecycle and state

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        pendingState.update(pending);
        progressState.update(List.of(timeline.progress(subtask)));
    }

    @Override
    public void finish() throws Exception {
        batcher.flush();
        if (!pending.isEmpty()) {
            throw new IllegalStateException(pending.size() + " records reached the end of input before any release of '"
                    + settings.modelName() + "' covered their event time; publish a release that activates at or before them");
        }
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (stager != null) {
                stager.close();
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

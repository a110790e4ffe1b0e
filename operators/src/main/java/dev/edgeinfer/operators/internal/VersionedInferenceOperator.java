package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.VersionedInference;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 *       {@link ReleaseTimeline#resolve} of the record's event time, routing key and this site
 *       (releases scoped to other sites never apply here), a pure function of the releases
 *       received (in any order) minus those this subtask rejected.
 *   <li><b>Stage before activate.</b> A release is fetched, sha256-verified, loaded, checked
 *       against its declared signature and the adapter, and warmed up on a background thread
 *       while the current version keeps serving ({@link ModelStager}). A record that needs a
 *       version still loading waits for it (backpressure); it is never scored by another version.
 *   <li><b>Rejected releases</b> (bad bytes, wrong signature, not ONNX, ...) are reported on the
 *       status output and dropped from this subtask's timeline; records fall back to the
 *       version the remaining timeline assigns. Rejections that depend only on the release or
 *       its bytes happen identically on every subtask ({@link ReleaseIntake}).
 *   <li><b>Late records.</b> A version stays loaded until the watermark passes the next
 *       activation plus the allowed lateness; a later record is still scored by the version
 *       that owns its event time, loaded again (slowly) and counted.
 *   <li><b>Late activations.</b> A release whose {@code activateAt} is not after the newest
 *       event time this subtask already scored is applied from boundary {@code newest + 1}
 *       on, reported as {@code LATE_ACTIVATION} and counted ({@code lateActivations}): no event
 *       time already scored changes version ({@link ActivationTimeline}). Such a boundary can
 *       differ between subtasks; each keeps its own across a restore at the same parallelism
 *       (after rescaling, the latest of the merged subtasks'; {@link SubtaskProgress}).
 *   <li><b>Failover.</b> Releases live in broadcast state. After a restore each subtask
 *       rebuilds the timeline and loads what it needs: versions are assigned exactly as before.
 *       Only records no release covers yet are held across calls ({@link WaitingRecords}).
 *       State written by EdgeInfer 0.1.0 restores ({@link SubtaskProgressState}).
 *   <li><b>Shadows.</b> A shadow activation's version scores records beside the serving one, after
 *       their results are emitted ({@link ShadowScoring}): it never changes the output, never
 *       holds a record back and never fails the task; it reports in its own heartbeats.
 * </ul>
 *
 * <p>This class owns the Flink lifecycle and routing; {@link MicroBatcher} forms batches of one
 * version, scored by the {@link dev.edgeinfer.operators.model.ModelHandler} the factory loaded.
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

    private final InferenceSettings<IN, P, OUT> settings;

    private transient BroadcastState<String, ModelRelease> releases;
    private transient WaitingRecords<IN> pending;
    private transient SubtaskProgressState progressState;
    /** Whether this subtask has received the releases published before submission. */
    private transient boolean publishedReceived;
    private transient ReleaseIntake intake;
    private transient ActivationTimeline timeline;
    private transient ModelStager<IN, P> stager;
    private transient MicroBatcher<IN, ModelStager.Staged<IN, P>> batcher;
    private transient long watermark;
    private transient int subtask;
    private transient InferenceMetrics metrics;
    private transient StatusReporter status;
    private transient TaskThreadYield yield;
    private transient Heartbeats<IN, P> heartbeats;
    private transient ShadowScoring<IN, P> shadows;
    private transient BroadcastState<String, String> deprecationState;
    private transient DeprecationIntake deprecations;

    public VersionedInferenceOperator(InferenceSettings<IN, P, OUT> settings) {
        this.settings = settings;
    }

    /** What this operator was built with (the job graph's view; for tests and tooling). */
    public InferenceSettings<IN, P, OUT> settings() {
        return settings;
    }

    /** This subtask's metrics (for tests). */
    InferenceMetrics metrics() {
        return metrics;
    }

    /** The side output carrying {@link ModelStatus} reports. */
    public OutputTag<ModelStatus> statusTag() {
        return settings.statusTag();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        OperatorStateStore store = context.getOperatorStateStore();
        TaskInfo task = getRuntimeContext().getTaskInfo();
        releases = store.getBroadcastState(ModelBroadcast.RELEASES_STATE);
        deprecationState = store.getBroadcastState(ModelBroadcast.DEPRECATIONS_STATE);
        pending = new WaitingRecords<>(store, getOperatorConfig().getTypeSerializerIn(0, getUserCodeClassloader()));
        // Per subtask, unlike the releases: broadcast state must stay identical on every subtask.
        progressState =
                SubtaskProgressState.restore(store, task.getIndexOfThisSubtask(), task.getNumberOfParallelSubtasks());
    }

    @Override
    public void open() throws Exception {
        super.open();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        watermark = Long.MIN_VALUE;
        metrics = new InferenceMetrics(getMetricGroup(), settings.modelName(), () -> stager == null ? 0 : stager.size(),
                () -> pending == null ? 0 : pending.size());
        status = new StatusReporter(settings.siteId(), settings.jobName(), subtask, settings.modelName(),
                report -> output.collect(settings.statusTag(), new StreamRecord<>(report)));
        heartbeats = new Heartbeats<>(settings.predictionSummary(), settings.siteLabels(),
                settings.heartbeatIntervalMillis(), () -> getProcessingTimeService().getCurrentProcessingTime(), status);
        String model = settings.modelName();
        intake = new ReleaseIntake(model, settings.trustedKeys(), settings.maxModelBytes(), settings.fetcher());
        ModelStore store =
                ModelStore.open(Path.of(settings.modelCacheDir()), settings.maxModelBytes(), settings.keepRecentModels());
        stager = new ModelStager<>(settings.handlerFactory(), store, settings.fetcher(),
                "edgeinfer-model-stager-" + model + "-" + subtask, settings.stagingLimits(),
                settings.loadTimeoutMillis(), metrics, LatencyBudgetGate.forJob(settings));
        yield = TaskThreadYield.of(getContainingTask());
        batcher = new MicroBatcher<>(settings.batchMaxSize(), settings.batchMaxDelayMillis(),
                settings.batchFillFromQueue() ? QueuedInput.of(getContainingTask()) : () -> false, this::emitBatch,
                due -> getProcessingTimeService().registerTimer(due, time -> batcher.onTimer(due)));
        for (ModelRelease initial : settings.initialReleases()) {
            if (!releases.contains(initial.releaseId())) {
                releases.put(initial.releaseId(), initial);
            }
        }
        timeline = new ActivationTimeline(settings.modelName(), settings.site(), progressState.restored());
        List<ModelRelease> all = new ArrayList<>();
        releases.entries().forEach(entry -> all.add(entry.getValue()));
        timeline.addAll(all);
        shadows = new ShadowScoring<>(timeline, stager, heartbeats.health(), settings.routingKey());
        deprecations = new DeprecationIntake(settings, deprecationState, timeline, status);
        deprecations.restore();
        stageCurrentAndFuture();
        List<ModelStager.Staged<IN, P>> serving = new ArrayList<>();
        InferenceWarmup.servingAtStart(settings, intake, deprecations, timeline, all, progressState.restored(), watermark)
                .forEach(release -> serving.add(stager.stage(release, false)));
        InferenceWarmup.run(settings, serving, Duration.ofMillis(settings.warmupMillis())).register(getMetricGroup());
        getProcessingTimeService()
                .scheduleWithFixedDelay(time -> housekeeping(), HOUSEKEEPING_INTERVAL_MS, HOUSEKEEPING_INTERVAL_MS);
    }

    @Override
    public void processElement1(StreamRecord<IN> record) throws Exception {
        drainStaging();
        if (!score(record.getValue())) {
            pending.add(record.getValue());
        }
    }

    /** Scores {@code value} (in a micro-batch of its version); false if no release covers its event time yet. */
    private boolean score(IN value) throws Exception {
        long eventTime = settings.eventTime().apply(value);
        String key = settings.routingKey().getKey(value);
        while (true) {
            Optional<ModelRelease> resolved = timeline.resolve(eventTime, key);
            if (resolved.isEmpty()) {
                return false;
            }
            ModelStager.Staged<IN, P> model = stager.stage(resolved.get(), true);
            if (stager.await(model, yield::tryYield) == null) {
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

    /** Scores a micro-batch (one version) in one call; flushed before watermarks, barriers and the end of input. */
    private void emitBatch(ModelStager.Staged<IN, P> model, List<IN> batch, long[] eventTimes) throws Exception {
        ModelRelease release = model.release;
        long started = System.nanoTime();
        List<P> predictions;
        try {
            predictions = model.handler().predict(batch);
        } catch (RuntimeException e) {
            heartbeats.failed(model, batch.size(), watermark); // reported before the failover, if the sink lets it
            throw e;
        }
        long took = System.nanoTime() - started;
        ModelId servedBy = LatencyBudgetGate.servedId(model.handler(), release); // the variant's sha256
        for (int i = 0; i < batch.size(); i++) {
            OUT result = settings.resultBuilder().build(batch.get(i), predictions.get(i), servedBy, took);
            output.collect(new StreamRecord<>(result, eventTimes[i]));
        }
        model.scored += batch.size();
        heartbeats.scored(model, predictions, took);
        shadows.score(model, batch, eventTimes, predictions); // after the results: it never changes them
        metrics.scoredBatch(metrics.version(release), batch.size(), took);
        if (stager.markServed(model)) {
            status.report(release, ModelStatus.State.ACTIVE, null, null, null, model.scored);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        batcher.flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void processElement2(StreamRecord<ControlMessage> record) throws Exception {
        drainStaging();
        ControlMessage message = record.getValue();
        if (message instanceof ControlMessage.Advisory advisory) {
            deprecations.receive(advisory.advisory());
            stageCurrentAndFuture();
            pending.retry(this::score);
            return;
        } else if (message instanceof ControlMessage.Rejected rejected) {
            // Not a usable release at all (bad JSON, missing field, ...): report, keep serving.
            intake.judge(rejected, subtask).ifPresent(verdict -> status.reportRejected(rejected, verdict));
            return;
        }
        receive(((ControlMessage.Release) message).release());
    }

    /** Receives the releases on the control topic at submission first, as if they came first on input 2. */
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
                metrics.rejected(rejected.reason());
            }
            status.report(release, ModelStatus.State.REJECTED, rejected.reason(), rejected.detail(), null, 0);
            return;
        } else if (verdict instanceof ReleaseIntake.Verdict.Late late && timeline.appliesHere(release)) {
            metrics.lateActivations.inc();
            status.report(release, ModelStatus.State.LATE_ACTIVATION, "ARRIVED_AFTER_DATA", late.detail(),
                    late.boundary(), 0);
            timeline.addLate(release, late.boundary());
        } else {
            timeline.add(release);
        }
        releases.put(release.releaseId(), release);
        stageCurrentAndFuture();
        pending.retry(this::score);
    }

    /** Eagerly stages the version serving now and every later activation (stage before activate). */
    private void stageCurrentAndFuture() {
        for (ModelRelease release : timeline.toStageNow(watermark)) {
            stager.stage(release, false);
        }
    }

    /** Task thread: reports finished stagings, applies rejections, retries waiting records. */
    private void drainStaging() throws Exception {
        receivePublishedOnce();
        // Restored waiting records: a release may cover them now (e.g. one added to the configuration).
        boolean changed = pending.takeRetrySoon();
        for (ModelStager.Staged<IN, P> model : stager.finishedUnreported()) {
            if (model.isFailed()) {
                reject(model);
                changed = true;
            } else {
                reportStaged(model);
            }
        }
        if (changed) {
            pending.retry(this::score);
        }
    }

    private void reportStaged(ModelStager.Staged<IN, P> model) {
        if (stager.markReported(model)) {
            metrics.version(model.release).staged.inc();
            String reason = model.reload ? "RELOADED_FOR_LATE_RECORD" : null;
            String choice = LatencyBudgetGate.choiceDetail(model.handler()); // the variant and its measurements
            status.report(model.release, ModelStatus.State.STAGED, reason, choice, null, 0);
        }
    }

    private void reject(ModelStager.Staged<IN, P> model) {
        Optional<ModelStager.Rejection> rejection = model.release.shadow() ? shadows.reject(model) : stager.reject(model);
        timeline.reject(model.release.releaseId());
        rejection.ifPresent(r -> {
            metrics.rejected(r.reason());
            status.report(r.release(), ModelStatus.State.REJECTED, r.reason(), r.detail(), null, 0);
        });
    }

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        drainStaging();
        batcher.flush(); // results must not fall behind the watermark that follows them
        watermark = mark.getTimestamp();
        if (watermark != Long.MIN_VALUE) {
            Set<String> needed = timeline.neededReleaseIds(watermark, settings.allowedLatenessMillis());
            for (ModelStager.Staged<IN, P> model : stager.retireAllBut(needed, timeline.sha256sOf(needed))) {
                heartbeats.forget(model);
                status.report(model.release, ModelStatus.State.RETIRED, null, "watermark " + watermark + " passed its"
                        + " last activation plus " + settings.allowedLatenessMillis() + " ms allowed lateness", null,
                        model.scored);
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
        if (yield.isYielding()) {
            stager.finishedUnreported().stream().filter(ModelStager.Staged::isReady).forEach(this::reportStaged);
        } else {
            drainStaging(); // rejections and retries only outside a wait: they may score records
        }
        heartbeats.sendIfDue(stager.ready(), watermark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        pending.snapshot();
        progressState.update(timeline.progress(subtask));
    }

    @Override
    public void finish() throws Exception {
        batcher.flush();
        pending.checkNoneWaitAtEndOfInput(settings.modelName());
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try (ModelStager<IN, P> closing = stager) {
            super.close(); // then the stager: stops loading, frees every model
        }
    }
}

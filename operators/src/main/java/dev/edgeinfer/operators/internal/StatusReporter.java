package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;

import org.apache.flink.annotation.Internal;

import java.util.function.Consumer;

/** Builds the {@link ModelStatus} reports of one subtask and hands them to the status output. */
@Internal
final class StatusReporter {

    private final String siteId;
    private final String jobName;
    private final int subtask;
    private final String modelName;
    private final Consumer<ModelStatus> output;

    StatusReporter(String siteId, String jobName, int subtask, String modelName, Consumer<ModelStatus> output) {
        this.siteId = siteId;
        this.jobName = jobName;
        this.subtask = subtask;
        this.modelName = modelName;
        this.output = output;
    }

    /** Reports {@code state} of {@code release}; {@code effectiveBoundary} only for late activations. */
    void report(ModelRelease release, ModelStatus.State state, String reason, String detail, Long effectiveBoundary,
            long scored) {
        output.accept(new ModelStatus(siteId, jobName, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), state, reason, detail, release.activateAt(), effectiveBoundary,
                System.currentTimeMillis(), scored));
    }

    /** Reports a {@code HEARTBEAT} of {@code release}: records scored since it was staged, and its health. */
    void heartbeat(ModelRelease release, long scored, ModelHealth health) {
        output.accept(ModelStatus.heartbeat(siteId, jobName, subtask, release, scored, health,
                System.currentTimeMillis()));
    }

    /** Reports {@code state} ({@code DEPRECATED} or {@code REJECTED}) of a deprecation advisory. */
    void report(DeprecationAdvisory advisory, ModelStatus.State state, String reason, String detail,
            Long effectiveBoundary) {
        output.accept(new ModelStatus(siteId, jobName, subtask, advisory.model(), advisory.version(),
                advisory.sha256(), advisory.advisoryId(), state, reason, detail, advisory.effectiveAt(),
                effectiveBoundary, System.currentTimeMillis(), 0L));
    }

    /** Reports a control record that is not a usable release (no version, no sha256). */
    void reportRejected(ControlMessage.Rejected record, ReleaseIntake.Verdict.Rejected verdict) {
        output.accept(new ModelStatus(siteId, jobName, subtask, modelName, null, null, record.keyAsString(),
                ModelStatus.State.REJECTED, verdict.reason(), verdict.detail(), 0L, null, System.currentTimeMillis(),
                0L));
    }
}

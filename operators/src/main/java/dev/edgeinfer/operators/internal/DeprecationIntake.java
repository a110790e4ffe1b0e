package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.DeprecationJson;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.operators.DeprecationPolicy;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.BroadcastState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Receives deprecation advisories on a subtask: judges them (model served, duplicate, signature
 * when trusted keys are set), keeps them in broadcast state, reports {@code DEPRECATED}, and under
 * {@link DeprecationPolicy#ROLLBACK} rolls the version back in the {@link ActivationTimeline}.
 *
 * <pre>{@code
 * DeprecationIntake intake = new DeprecationIntake(settings, deprecationState, timeline, status);
 * intake.restore();                 // open(): advisories from the checkpoint apply again
 * intake.receive(advisory);         // processElement2
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The verdict depends only on the advisory and the job's
 * settings, so every subtask judges alike; the rollback boundary is the advisory's own
 * {@code effectiveAt} unless this subtask already scored past it ({@link ActivationTimeline#rollBack}).
 * Advisories of other models are not this job's concern and are dropped without a report.
 */
@Internal
final class DeprecationIntake {

    private final String modelName;
    private final TrustedKeys trustedKeys;
    private final DeprecationPolicy policy;
    private final BroadcastState<String, String> state;
    private final ActivationTimeline timeline;
    private final StatusReporter status;

    DeprecationIntake(InferenceSettings<?, ?, ?> settings, BroadcastState<String, String> state,
            ActivationTimeline timeline, StatusReporter status) {
        modelName = settings.modelName();
        trustedKeys = settings.trustedKeys();
        policy = settings.deprecationPolicy();
        this.state = state;
        this.timeline = timeline;
        this.status = status;
    }

    /** Applies the advisories of the restored state again (they were judged when they arrived). */
    void restore() throws Exception {
        for (DeprecationAdvisory advisory : stored()) {
            apply(advisory);
        }
    }

    /** Rolls back in {@code other} (e.g. the warm start's view) what this intake rolls back, without a report. */
    void rollBackIn(ActivationTimeline other) throws Exception {
        if (policy == DeprecationPolicy.ROLLBACK) {
            for (DeprecationAdvisory advisory : stored()) {
                other.rollBack(advisory);
            }
        }
    }

    private List<DeprecationAdvisory> stored() throws Exception {
        List<DeprecationAdvisory> stored = new ArrayList<>();
        for (Map.Entry<String, String> e : state.entries()) {
            stored.add(DeprecationJson.fromJson(e.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        return stored;
    }

    /** Judges and applies an advisory received on the control input. */
    void receive(DeprecationAdvisory advisory) throws Exception {
        if (!advisory.model().equals(modelName) || state.contains(advisory.advisoryId())) {
            return;
        }
        if (!trustedKeys.isEmpty()) {
            try {
                ReleaseSigning.verify(advisory, trustedKeys);
            } catch (ReleaseSignatureException e) {
                status.report(advisory, ModelStatus.State.REJECTED, e.reason().name(), e.getMessage(), null);
                return;
            }
        }
        state.put(advisory.advisoryId(), new String(DeprecationJson.toJson(advisory), StandardCharsets.UTF_8));
        apply(advisory);
    }

    private void apply(DeprecationAdvisory advisory) {
        Long boundary = policy == DeprecationPolicy.ROLLBACK ? timeline.rollBack(advisory) : null;
        status.report(advisory, ModelStatus.State.DEPRECATED, policy.name(), advisory.reason(), boundary);
    }
}

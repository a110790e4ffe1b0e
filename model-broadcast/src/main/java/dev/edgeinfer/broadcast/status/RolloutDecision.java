package dev.edgeinfer.broadcast.status;

import dev.edgeinfer.broadcast.release.ReleaseTarget;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A decision of the rollout controller, explained on the {@code edge.models.status} topic next to
 * the heartbeats it was taken on: which version was judged, what the controller published (a
 * rollback to the previous good version, or the promotion of a healthy canary or site wave), and
 * the evidence that triggered it.
 *
 * <pre>{@code
 * RolloutDecision d = RolloutDecisionJson.fromJson(value);
 * if (d.action() == RolloutDecision.Action.ROLLBACK) {
 *     log.warn("{} rolled back: {} ({})", d.judgedVersion(), d.reason(), d.detail());
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@code decisionId} is the id of the release the controller
 * published ({@code releaseId}), derived from the evidence alone (the judged release, the action,
 * the event time of the heartbeat that decided it): a replay of the same status records decides
 * the same id, so a restarted controller republishes nothing new. Record key on the status topic:
 * {@link #key()} ({@code controller/<model>}).
 *
 * @param model the model
 * @param action what the controller did
 * @param judgedReleaseId the release whose version was judged (a canary, a site wave, or a full activation)
 * @param judgedVersion the version judged
 * @param activatedVersion the version the published release activates (the previous good version
 *     for a rollback, the judged version for a promotion)
 * @param releaseId the id of the release published on the control topic; also the decision's id
 * @param scope the sites the published release applies to
 * @param activateAt the published release's activation event time (epoch ms)
 * @param signedBy the key id that signed the published release
 * @param reason machine-readable: {@code ERROR_RATE}, {@code LATENCY_P99}, {@code OUTPUT_DRIFT},
 *     {@code SHADOW_AGREEMENT} (rollbacks) or {@code HEALTHY_FOR_DWELL} (promotions)
 * @param detail a human-readable explanation with the numbers and thresholds
 * @param evidence what the judged version did over the evaluation window
 * @param at wall-clock time (epoch ms) of the heartbeat that decided it
 */
public record RolloutDecision(
        String model,
        Action action,
        String judgedReleaseId,
        String judgedVersion,
        String activatedVersion,
        String releaseId,
        ReleaseTarget scope,
        long activateAt,
        String signedBy,
        String reason,
        String detail,
        Evidence evidence,
        long at)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What the controller did. */
    public enum Action {
        /** Re-activated the previous good version for the scope that got the judged version. */
        ROLLBACK,
        /** Widened a healthy canary or site wave to a full activation for every site. */
        PROMOTE
    }

    /**
     * The judged version's health over the evaluation window, summed over every site and subtask
     * that served it.
     *
     * @param heartbeats heartbeats in the window
     * @param records records scored
     * @param errors failed records (model-call errors plus NaN/Inf outputs)
     * @param nonFinite NaN/Inf outputs (part of {@code errors})
     * @param errorRate {@code errors / attempted}
     * @param p99Micros the worst heartbeat p99 in the window, or {@code null}
     * @param psi PSI of its score bins against the previous version's, or {@code null} when not judged
     * @param shadowAgreement agreement with the shadow, or {@code null} when no heartbeat reported one
     * @param sites the sites that reported it, sorted
     * @param fromAt wall-clock start of the window (the oldest heartbeat's {@code at})
     * @param healthySince for a promotion: since when (wall clock) it has been healthy; otherwise {@code null}
     */
    public record Evidence(
            long heartbeats,
            long records,
            long errors,
            long nonFinite,
            double errorRate,
            Long p99Micros,
            Double psi,
            Double shadowAgreement,
            List<String> sites,
            long fromAt,
            Long healthySince)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Evidence {
            sites = List.copyOf(Objects.requireNonNull(sites, "sites"));
        }
    }

    public RolloutDecision {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(judgedReleaseId, "judgedReleaseId");
        Objects.requireNonNull(judgedVersion, "judgedVersion");
        Objects.requireNonNull(activatedVersion, "activatedVersion");
        Objects.requireNonNull(releaseId, "releaseId");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(evidence, "evidence");
    }

    /** The decision's id: the id of the release it published. */
    public String decisionId() {
        return releaseId;
    }

    /** The status-topic record key: {@code controller/<model>}. */
    public String key() {
        return "controller/" + model;
    }

    /** One line for logs and consoles. */
    public String summary() {
        return action + " " + model + " " + judgedVersion + (action == Action.ROLLBACK ? " -> " + activatedVersion : "")
                + " for " + scope + " at event time " + java.time.Instant.ofEpochMilli(activateAt) + " (" + reason + ": "
                + detail + ")";
    }
}

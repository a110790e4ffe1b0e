package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;

import org.apache.flink.annotation.Internal;

import java.util.Objects;
import java.util.Optional;

/**
 * Judges a release on receipt, before it may enter a subtask's timeline: the model served,
 * duplicates, the signature (when trusted keys are set; it covers every variant), the declared
 * size and the source of every file (each variant's), and
 * whether it arrived after data it should have scored.
 *
 * <pre>{@code
 * ReleaseIntake intake = new ReleaseIntake("sensor-anomaly", TrustedKeys.none(), 256 << 20, fetcher);
 * switch (intake.judge(release, timeline.contains(release.releaseId()), timeline.newestScoredEventTime())) {
 *     case ReleaseIntake.Verdict.Late late -> timeline.addLate(release, late.boundary());
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Every check depends only on the release, the job's settings
 * and (for lateness) the newest event time this subtask scored, never on cached bytes: the
 * verdicts other than lateness are identical on every subtask. The bytes themselves are judged
 * later, when staging.
 */
@Internal
final class ReleaseIntake {

    private final String modelName;
    private final TrustedKeys trustedKeys;
    private final long maxModelBytes;
    private final ModelFetcher fetcher;

    ReleaseIntake(String modelName, TrustedKeys trustedKeys, long maxModelBytes, ModelFetcher fetcher) {
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.trustedKeys = Objects.requireNonNull(trustedKeys, "trustedKeys");
        this.maxModelBytes = maxModelBytes;
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    }

    /** What to do with a release received. */
    sealed interface Verdict {
        /** Enters the timeline at its own {@code activateAt}. */
        record Accepted() implements Verdict {}

        /** Arrived after records at or after its {@code activateAt} were scored: applies from {@code boundary} on. */
        record Late(long boundary, String detail) implements Verdict {}

        /** Already received (a redelivery): the timeline is a set, nothing to report. */
        record Duplicate() implements Verdict {}

        /**
         * Never enters the timeline. {@code counted}: whether it counts as a rejected release in
         * the metrics (a release of another model is not this job's to count).
         */
        record Rejected(String reason, String detail, boolean counted) implements Verdict {}
    }

    /**
     * Judges {@code release}.
     *
     * @param alreadyReceived whether this subtask holds a release with the same id
     * @param newestScoredEventTime the newest event time this subtask scored ({@code Long.MIN_VALUE}: none)
     */
    Verdict judge(ModelRelease release, boolean alreadyReceived, long newestScoredEventTime) {
        if (!release.model().equals(modelName)) {
            return new Verdict.Rejected("NOT_SERVED",
                    "this job serves model '" + modelName + "', not '" + release.model() + "'", false);
        }
        if (alreadyReceived) {
            return new Verdict.Duplicate();
        }
        if (!trustedKeys.isEmpty()) {
            try {
                ReleaseSigning.verify(release, trustedKeys);
            } catch (ReleaseSignatureException e) {
                return new Verdict.Rejected(e.reason().name(), e.getMessage(), true);
            }
        }
        for (ModelVariant variant : release.candidates()) { // every file a site may fetch
            String which = release.hasVariants() ? "variant " + variant.kind() + " " : "";
            if (variant.sizeBytes() > maxModelBytes) {
                return new Verdict.Rejected(ModelFetchException.Reason.TOO_LARGE.name(), which + "declares "
                        + variant.sizeBytes() + " bytes; this job accepts models up to " + maxModelBytes, true);
            }
            try {
                fetcher.checkSource(release.forVariant(variant));
            } catch (ModelFetchException e) {
                return new Verdict.Rejected(e.reason().name(), which + e.getMessage(), true);
            }
        }
        if (release.activateAt() <= newestScoredEventTime) {
            long boundary = newestScoredEventTime + 1;
            return new Verdict.Late(boundary, "records up to event time " + newestScoredEventTime
                    + " were already scored; applied to event times from " + boundary + " on instead of from "
                    + release.activateAt());
        }
        return new Verdict.Accepted();
    }

    /**
     * Judges a control record that is not a usable release at all (bad JSON, unknown schema,
     * missing field, ...): the rejection to report, or empty when it names another model or
     * {@code subtask} is not 0. Every subtask receives it; subtask 0 alone reports it, so each
     * job gives it exactly one verdict, also when it names no model (a key that is not a release
     * id): every job reports those, none can tell whose they are.
     */
    Optional<Verdict.Rejected> judge(ControlMessage.Rejected record, int subtask) {
        if (subtask != 0 || !record.modelHint().map(modelName::equals).orElse(true)) {
            return Optional.empty();
        }
        return Optional.of(new Verdict.Rejected(record.reason().name(), record.detail() + " (" + record.topic() + "/"
                + record.partition() + "/" + record.offset() + ")", false));
    }
}

package dev.edgeinfer.broadcast.status;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.io.Serializable;
import java.util.Objects;

/**
 * One report on the {@code edge.models.status} topic: what one subtask of one job at one site did
 * with one release (staged it, activated it, rejected it, retired it, applied it late) or, for
 * {@link State#HEARTBEAT}, how many records it scored with that version and how healthy that
 * version was over the last interval ({@link ModelHealth}).
 *
 * <pre>{@code
 * ModelStatus s = ModelStatus.rejected(site, job, subtask, release, "CHECKSUM_MISMATCH",
 *         "expected 3f2a..., got 91bc...", System.currentTimeMillis());
 * producer.send(new ProducerRecord<>("edge.models.status", s.key(), ModelStatusJson.toJson(s)));
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Status reports are observations, not state: they may be
 * duplicated after a restart (a subtask re-stages and re-reports what its restored timeline needs)
 * and are ordered only per key ({@link #key()} = {@code site/job/subtask}). {@code reason} is
 * machine-readable ({@code CHECKSUM_MISMATCH}, {@code SIGNATURE_MISMATCH}, {@code FETCH_FAILED},
 * {@code LOAD_FAILED}, {@code NOT_SERVED}, or an {@link InvalidReleaseException.Reason} name) and is
 * expected for {@code REJECTED}; {@code effectiveBoundary} is the event time actually used as the
 * switch point and is expected for {@code LATE_ACTIVATION}. {@code version}, {@code sha256} and
 * {@code releaseId} may be {@code null} only when no release could be parsed (a rejected control
 * record).
 *
 * @param site the edge site name
 * @param job the job name
 * @param subtask the subtask index ({@code >= 0})
 * @param model the model name
 * @param version the version, or {@code null} if unknown
 * @param sha256 the sha256, or {@code null} if unknown
 * @param releaseId the release id, or {@code null} if unknown
 * @param state what happened
 * @param reason machine-readable reason, or {@code null}
 * @param detail human-readable detail, or {@code null}
 * @param activateAt the release's activateAt (event time, epoch ms)
 * @param effectiveBoundary the boundary actually used for a late activation, or {@code null}
 * @param at wall-clock epoch ms when the report was emitted
 * @param scoredRecords records scored with this version since it was staged (heartbeats; 0 otherwise)
 * @param health the version's health over the last interval (heartbeats of builds that report it;
 *     {@code null} otherwise, and in heartbeats written before it existed)
 */
public record ModelStatus(
        String site,
        String job,
        int subtask,
        String model,
        String version,
        String sha256,
        String releaseId,
        State state,
        String reason,
        String detail,
        long activateAt,
        Long effectiveBoundary,
        long at,
        long scoredRecords,
        ModelHealth health)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What a subtask reports about a release. */
    public enum State {
        /** Fetched, verified, loaded and warmed up; not yet serving. */
        STAGED,
        /** Serving records with event time at or after its activation. */
        ACTIVE,
        /** Failed a check; the previous version keeps serving. {@code reason} says which. */
        REJECTED,
        /** Unloaded: no record can resolve to it any more. */
        RETIRED,
        /** Arrived after the data passed its activateAt; applied from {@code effectiveBoundary}. */
        LATE_ACTIVATION,
        /**
         * The version was marked bad by a deprecation advisory ({@code releaseId} = its advisory id,
         * {@code reason} = the policy applied, {@code FLAG} or {@code ROLLBACK}, {@code detail} = the
         * advisory's reason, {@code effectiveBoundary} = the event time from which a rollback applies).
         */
        DEPRECATED,
        /** Periodic liveness with per-version {@code scoredRecords} and {@link ModelHealth}. */
        HEARTBEAT
    }

    /** A report without {@link ModelHealth} (every report but a health-carrying heartbeat). */
    public ModelStatus(String site, String job, int subtask, String model, String version, String sha256,
            String releaseId, State state, String reason, String detail, long activateAt, Long effectiveBoundary,
            long at, long scoredRecords) {
        this(site, job, subtask, model, version, sha256, releaseId, state, reason, detail, activateAt,
                effectiveBoundary, at, scoredRecords, null);
    }

    public ModelStatus {
        requireText("site", site);
        requireText("job", job);
        requireText("model", model);
        Objects.requireNonNull(state, "state");
        if (subtask < 0) {
            throw new IllegalArgumentException("subtask must be >= 0, got " + subtask);
        }
        if (scoredRecords < 0) {
            throw new IllegalArgumentException("scoredRecords must be >= 0, got " + scoredRecords);
        }
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be null or blank, got '" + value + "'");
        }
    }

    /** The status-topic record key: {@code site/job/subtask}. */
    public String key() {
        return site + "/" + job + "/" + subtask;
    }

    /** A report about {@code release} in {@code state}, with no reason, detail, boundary or count. */
    public static ModelStatus of(String site, String job, int subtask, ModelRelease release, State state, long at) {
        return new ModelStatus(site, job, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), state, null, null, release.activateAt(), null, at, 0L);
    }

    /** A {@link State#REJECTED} report. */
    public static ModelStatus rejected(String site, String job, int subtask, ModelRelease release,
            String reason, String detail, long at) {
        return new ModelStatus(site, job, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), State.REJECTED, reason, detail, release.activateAt(), null, at, 0L);
    }

    /** A {@link State#LATE_ACTIVATION} report naming the boundary actually used. */
    public static ModelStatus lateActivation(String site, String job, int subtask, ModelRelease release,
            long effectiveBoundary, String detail, long at) {
        return new ModelStatus(site, job, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), State.LATE_ACTIVATION, null, detail, release.activateAt(),
                effectiveBoundary, at, 0L);
    }

    /** A {@link State#HEARTBEAT} report with the number of records scored by this version. */
    public static ModelStatus heartbeat(String site, String job, int subtask, ModelRelease release,
            long scoredRecords, long at) {
        return new ModelStatus(site, job, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), State.HEARTBEAT, null, null, release.activateAt(), null, at, scoredRecords);
    }

    /** A {@link State#HEARTBEAT} report with the version's health over the last interval. */
    public static ModelStatus heartbeat(String site, String job, int subtask, ModelRelease release,
            long scoredRecords, ModelHealth health, long at) {
        return new ModelStatus(site, job, subtask, release.model(), release.version(), release.sha256(),
                release.releaseId(), State.HEARTBEAT, null, null, release.activateAt(), null, at, scoredRecords,
                Objects.requireNonNull(health, "health"));
    }
}

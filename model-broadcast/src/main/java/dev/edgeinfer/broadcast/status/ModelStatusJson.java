package dev.edgeinfer.broadcast.status;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The versioned JSON form of a {@link ModelStatus} on {@code edge.models.status}:
 *
 * <pre>{@code
 * {"schema":1,"type":"status","site":"plant-7","job":"sensor-anomaly","subtask":0,
 *  "model":"sensor-anomaly","version":"v2","sha256":"3f2a...","releaseId":"sensor-anomaly@...",
 *  "state":"REJECTED","reason":"CHECKSUM_MISMATCH","detail":"expected ..., got ...",
 *  "activateAt":1767225600000,"effectiveBoundary":null,"at":1767225591000,"scoredRecords":0}
 * }</pre>
 *
 * <p>A {@code HEARTBEAT} may also carry {@code "health"}, the {@link ModelHealth} of the last
 * interval (its fields are listed in docs/status-topic.md). It was added without a schema bump: it
 * is optional, older readers ignore it, and heartbeats without it read back with
 * {@code health == null}.
 *
 * <pre>{@code
 * byte[] json = ModelStatusJson.toJson(status);
 * ModelStatus back = ModelStatusJson.fromJson(json);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Nullable fields are written as JSON {@code null}. Parsing
 * follows the rules of {@link ModelReleaseJson}: unknown fields are ignored, unknown schema
 * versions, unknown {@code type}s and unknown {@code state}s are refused with an
 * {@link InvalidReleaseException} carrying the reason and the offending value (the exception type
 * is shared by all control-plane messages).
 */
public final class ModelStatusJson {

    public static final int SCHEMA = 1;
    public static final String TYPE = "status";

    private ModelStatusJson() {}

    public static byte[] toJson(ModelStatus s) {
        ObjectNode o = JsonFields.newMessage(SCHEMA, TYPE);
        o.put("site", s.site());
        o.put("job", s.job());
        o.put("subtask", s.subtask());
        o.put("model", s.model());
        o.put("version", s.version());
        o.put("sha256", s.sha256());
        o.put("releaseId", s.releaseId());
        o.put("state", s.state().name());
        o.put("reason", s.reason());
        o.put("detail", s.detail());
        o.put("activateAt", s.activateAt());
        o.put("effectiveBoundary", s.effectiveBoundary());
        o.put("at", s.at());
        o.put("scoredRecords", s.scoredRecords());
        if (s.health() != null) {
            ModelHealthJson.write(o.putObject("health"), s.health());
        }
        return JsonFields.write(o);
    }

    /** @throws InvalidReleaseException if the bytes are not a valid status message */
    public static ModelStatus fromJson(byte[] json) {
        ObjectNode o = JsonFields.parseMessage(json, SCHEMA, TYPE);
        String stateText = JsonFields.text(o, "state");
        ModelStatus.State state;
        try {
            state = ModelStatus.State.valueOf(stateText);
        } catch (IllegalArgumentException e) {
            throw new InvalidReleaseException(Reason.INVALID_FIELD, "state", stateText,
                    "state is not a known state, got '" + InvalidReleaseException.truncate(stateText) + "'", e);
        }
        try {
            return new ModelStatus(
                    JsonFields.text(o, "site"),
                    JsonFields.text(o, "job"),
                    JsonFields.intValue(o, "subtask"),
                    JsonFields.text(o, "model"),
                    JsonFields.optionalText(o, "version"),
                    JsonFields.optionalText(o, "sha256"),
                    JsonFields.optionalText(o, "releaseId"),
                    state,
                    JsonFields.optionalText(o, "reason"),
                    JsonFields.optionalText(o, "detail"),
                    JsonFields.longValue(o, "activateAt"),
                    JsonFields.optionalLong(o, "effectiveBoundary"),
                    JsonFields.longValue(o, "at"),
                    o.hasNonNull("scoredRecords") ? JsonFields.longValue(o, "scoredRecords") : 0L,
                    o.hasNonNull("health") ? ModelHealthJson.read(o.get("health")) : null);
        } catch (InvalidReleaseException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidReleaseException(Reason.INVALID_FIELD, null, null,
                    "status message is invalid: " + e.getMessage(), e);
        }
    }
}

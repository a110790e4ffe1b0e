package dev.edgeinfer.broadcast.status;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ReleaseTarget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link RolloutDecision} on {@code edge.models.status} ({@code schema: 1},
 * {@code type: "decision"}; fields in docs/status-topic.md):
 *
 * <pre>{@code
 * {"schema":1,"type":"decision","model":"sensor-anomaly","action":"ROLLBACK",
 *  "judgedReleaseId":"sensor-anomaly@...@v3@...","judgedVersion":"v3","activatedVersion":"v2",
 *  "releaseId":"sensor-anomaly@...@v2@...@1a2b3c4d","scope":{"sites":[],"labels":["wave=1"]},
 *  "activateAt":1767225631000,"signedBy":"3f2a9c0b1d4e5f60","reason":"OUTPUT_DRIFT","detail":"...",
 *  "evidence":{"heartbeats":4,"records":812,...},"at":1767225626000}
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Readers of the status topic tell a decision from a status
 * report by its {@code type} ({@link #isDecision(byte[])}) and must not count it as a bad record.
 * Parsing errors are {@link InvalidReleaseException}s naming the field and value.
 */
public final class RolloutDecisionJson {

    public static final int SCHEMA = 1;
    public static final String TYPE = "decision";

    private RolloutDecisionJson() {}

    public static byte[] toJson(RolloutDecision d) {
        ObjectNode o = JsonFields.newMessage(SCHEMA, TYPE);
        o.put("model", d.model());
        o.put("action", d.action().name());
        o.put("judgedReleaseId", d.judgedReleaseId());
        o.put("judgedVersion", d.judgedVersion());
        o.put("activatedVersion", d.activatedVersion());
        o.put("releaseId", d.releaseId());
        ObjectNode scope = o.putObject("scope");
        d.scope().sites().forEach(scope.putArray("sites")::add);
        d.scope().labels().forEach(scope.putArray("labels")::add);
        o.put("activateAt", d.activateAt());
        o.put("signedBy", d.signedBy());
        o.put("reason", d.reason());
        o.put("detail", d.detail());
        RolloutDecision.Evidence e = d.evidence();
        ObjectNode ev = o.putObject("evidence");
        ev.put("heartbeats", e.heartbeats());
        ev.put("records", e.records());
        ev.put("errors", e.errors());
        ev.put("nonFinite", e.nonFinite());
        ev.put("errorRate", e.errorRate());
        ev.put("p99Micros", e.p99Micros());
        ev.put("psi", e.psi());
        ev.put("shadowAgreement", e.shadowAgreement());
        e.sites().forEach(ev.putArray("sites")::add);
        ev.put("fromAt", e.fromAt());
        ev.put("healthySince", e.healthySince());
        o.put("at", d.at());
        return JsonFields.write(o);
    }

    /** Whether {@code json} is a decision record (a JSON object with {@code "type":"decision"}); never throws. */
    public static boolean isDecision(byte[] json) {
        try {
            JsonNode type = JsonFields.parseObject(json).get("type");
            return type != null && TYPE.equals(type.asText());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @throws InvalidReleaseException if the bytes are not a valid decision record */
    public static RolloutDecision fromJson(byte[] json) {
        ObjectNode o = JsonFields.parseMessage(json, SCHEMA, TYPE);
        String action = JsonFields.text(o, "action");
        try {
            JsonNode scope = JsonFields.required(o, "scope", "scope");
            JsonNode ev = JsonFields.required(o, "evidence", "evidence");
            return new RolloutDecision(
                    JsonFields.text(o, "model"),
                    RolloutDecision.Action.valueOf(action),
                    JsonFields.text(o, "judgedReleaseId"),
                    JsonFields.text(o, "judgedVersion"),
                    JsonFields.text(o, "activatedVersion"),
                    JsonFields.text(o, "releaseId"),
                    ReleaseTarget.of(texts(scope.get("sites")), texts(scope.get("labels"))),
                    JsonFields.longValue(o, "activateAt"),
                    JsonFields.optionalText(o, "signedBy"),
                    JsonFields.text(o, "reason"),
                    JsonFields.optionalText(o, "detail"),
                    new RolloutDecision.Evidence(
                            JsonFields.longValue(ev, "heartbeats"),
                            JsonFields.longValue(ev, "records"),
                            JsonFields.longValue(ev, "errors"),
                            JsonFields.longValue(ev, "nonFinite"),
                            ev.path("errorRate").asDouble(),
                            JsonFields.optionalLong(ev, "p99Micros"),
                            ev.hasNonNull("psi") ? ev.get("psi").asDouble() : null,
                            ev.hasNonNull("shadowAgreement") ? ev.get("shadowAgreement").asDouble() : null,
                            texts(ev.get("sites")),
                            JsonFields.longValue(ev, "fromAt"),
                            JsonFields.optionalLong(ev, "healthySince")),
                    JsonFields.longValue(o, "at"));
        } catch (InvalidReleaseException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidReleaseException(Reason.INVALID_FIELD, "action", action,
                    "decision record is invalid: " + e.getMessage(), e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array instanceof ArrayNode a) {
            a.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}

package dev.edgeinfer.jobs.sensor;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.edgeinfer.broadcast.release.ModelId;

import java.io.IOException;

/**
 * The JSON form of a {@link SensorResult} on {@code edge.inference.results}:
 *
 * <pre>{@code
 * {"deviceId":"dev-0007","window":41,"windowStart":1764280000000,"windowEnd":1764280001500,
 *  "score":0.93,"anomaly":true,
 *  "model":{"name":"sensor-anomaly","version":"v1","sha256":"3f1c..."},
 *  "site":"edge-local","timings":{"sourceTs":1764280001502,"inferenceMicros":41}}
 * }</pre>
 *
 * Field names are the public contract; add fields, never rename them.
 */
public final class SensorResultJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private SensorResultJson() {}

    /** Wire form; public so Jackson can read and write it. */
    public record Wire(
            @JsonProperty("deviceId") String deviceId,
            @JsonProperty("window") long window,
            @JsonProperty("windowStart") long windowStart,
            @JsonProperty("windowEnd") long windowEnd,
            @JsonProperty("score") float score,
            @JsonProperty("anomaly") boolean anomaly,
            @JsonProperty("model") Model model,
            @JsonProperty("site") String site,
            @JsonProperty("timings") Timings timings) {}

    /** Model lineage. */
    public record Model(
            @JsonProperty("name") String name,
            @JsonProperty("version") String version,
            @JsonProperty("sha256") String sha256) {}

    /** When the newest reading was produced and how long inference took. */
    public record Timings(
            @JsonProperty("sourceTs") long sourceTs, @JsonProperty("inferenceMicros") long inferenceMicros) {}

    public static byte[] toJson(SensorResult r) {
        Wire wire =
                new Wire(
                        r.deviceId(),
                        r.window(),
                        r.windowStart(),
                        r.windowEnd(),
                        r.score(),
                        r.anomaly(),
                        new Model(r.model().name(), r.model().version(), r.model().sha256()),
                        r.site(),
                        new Timings(r.sourceTimestamp(), r.inferenceMicros()));
        try {
            return MAPPER.writeValueAsBytes(wire);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise result " + r, e);
        }
    }

    public static SensorResult fromJson(byte[] json) throws IOException {
        Wire w = MAPPER.readValue(json, Wire.class);
        return new SensorResult(
                w.deviceId(),
                w.window(),
                w.windowStart(),
                w.windowEnd(),
                w.score(),
                w.anomaly(),
                ModelId.of(w.model().name(), w.model().version(), w.model().sha256()),
                w.site(),
                w.timings().sourceTs(),
                w.timings().inferenceMicros());
    }
}

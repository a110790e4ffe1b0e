package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.ResultJson;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;

/**
 * The JSON form of a {@link SensorResult} on {@code edge.inference.results}:
 *
 * <pre>{@code
 * {"deviceId":"dev-0007","window":41,"windowStart":1764280000000,"windowEnd":1764280001500,
 *  "score":0.93,"anomaly":true,
 *  "model":{"name":"sensor-anomaly","version":"v1","sha256":"3f1c..."},
 *  "site":"edge-local","timings":{"sourceTs":1764280001502}}
 * }</pre>
 *
 * Field names are the public contract; add fields, never rename them.
 */
public final class SensorResultJson {

    private SensorResultJson() {}

    /** Wire form; public so Jackson can read and write it. */
    public record Wire(
            @JsonProperty("deviceId") String deviceId,
            @JsonProperty("window") long window,
            @JsonProperty("windowStart") long windowStart,
            @JsonProperty("windowEnd") long windowEnd,
            @JsonProperty("score") float score,
            @JsonProperty("anomaly") boolean anomaly,
            @JsonProperty("model") ResultJson.Model model,
            @JsonProperty("site") String site,
            @JsonProperty("timings") ResultJson.Timings timings) {}

    public static byte[] toJson(SensorResult r) {
        Wire wire =
                new Wire(
                        r.deviceId(),
                        r.window(),
                        r.windowStart(),
                        r.windowEnd(),
                        r.score(),
                        r.anomaly(),
                        ResultJson.model(r),
                        r.site(),
                        ResultJson.timings(r));
        return ResultJson.write(wire, r);
    }

    public static SensorResult fromJson(byte[] json) throws IOException {
        Wire w = ResultJson.read(json, Wire.class);
        return new SensorResult(
                w.deviceId(),
                w.window(),
                w.windowStart(),
                w.windowEnd(),
                w.score(),
                w.anomaly(),
                w.model().toModelId(),
                w.site(),
                w.timings().sourceTs());
    }
}

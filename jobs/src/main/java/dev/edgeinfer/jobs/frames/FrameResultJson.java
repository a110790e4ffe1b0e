package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.ResultJson;
import dev.edgeinfer.operators.frames.TopK;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link FrameResult} on {@code edge.inference.results}:
 *
 * <pre>{@code
 * {"cameraId":"cam-01","frameTs":1764280000033,"source":"edge.video.frames/2/1841",
 *  "width":160,"height":120,"label":"red","score":0.998,
 *  "topK":[{"label":"red","index":0,"score":0.998},{"label":"dark","index":3,"score":0.001}],
 *  "model":{"name":"frame-classifier","version":"v2","sha256":"3f1c..."},
 *  "site":"edge-local","timings":{"sourceTs":1764280000035}}
 * }</pre>
 *
 * {@code label}/{@code score} repeat the first {@code topK} entry. Field names are the public
 * contract; add fields, never rename them.
 */
public final class FrameResultJson {

    private FrameResultJson() {}

    /** Wire form; public so Jackson can read and write it. */
    public record Wire(
            @JsonProperty("cameraId") String cameraId,
            @JsonProperty("frameTs") long frameTs,
            @JsonProperty("source") String source,
            @JsonProperty("width") int width,
            @JsonProperty("height") int height,
            @JsonProperty("label") String label,
            @JsonProperty("score") float score,
            @JsonProperty("topK") List<Scored> topK,
            @JsonProperty("model") ResultJson.Model model,
            @JsonProperty("site") String site,
            @JsonProperty("timings") ResultJson.Timings timings) {}

    /** One class of the top k. */
    public record Scored(
            @JsonProperty("label") String label, @JsonProperty("index") int index, @JsonProperty("score") float score) {}

    public static byte[] toJson(FrameResult r) {
        List<Scored> top = new ArrayList<>();
        for (TopK.Scored s : r.topK().classes()) {
            top.add(new Scored(s.label(), s.index(), s.score()));
        }
        Wire wire = new Wire(r.cameraId(), r.frameTs(), r.source(), r.width(), r.height(), r.label(),
                r.topK().top1().score(), top,
                ResultJson.model(r), r.site(), ResultJson.timings(r));
        return ResultJson.write(wire, r);
    }

    public static FrameResult fromJson(byte[] json) throws IOException {
        Wire w = ResultJson.read(json, Wire.class);
        List<TopK.Scored> top = new ArrayList<>();
        for (Scored s : w.topK()) {
            top.add(new TopK.Scored(s.label(), s.index(), s.score()));
        }
        return new FrameResult(w.cameraId(), w.frameTs(), w.source(), w.width(), w.height(), new TopK(top),
                w.model().toModelId(), w.site(),
                w.timings().sourceTs());
    }
}

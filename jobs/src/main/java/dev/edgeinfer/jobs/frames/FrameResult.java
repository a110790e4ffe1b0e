package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.JobResult;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.TopK;

/**
 * One classified frame, as written to {@code edge.inference.results} (see {@link FrameResultJson}).
 *
 * @param cameraId the camera
 * @param frameTs the frame's event time (its {@code ts} header)
 * @param source the input id: {@code topic/partition/offset} of the frame record
 * @param width the frame's width as it arrived
 * @param height the frame's height as it arrived
 * @param topK the best classes, best first
 * @param model lineage: the model version that classified the frame
 * @param site the edge site that ran the job
 * @param sourceTimestamp the frame record's Kafka timestamp
 */
public record FrameResult(
        String cameraId,
        long frameTs,
        String source,
        int width,
        int height,
        TopK topK,
        ModelId model,
        String site,
        long sourceTimestamp) implements JobResult {

    /** Builds a result; used as the inference operator's result builder. */
    public static FrameResult of(Frame f, TopK topK, ModelId model, String site) {
        return new FrameResult(f.cameraId(), f.ts(), f.source(), f.width(), f.height(), topK, model, site,
                f.sourceTimestamp());
    }

    /** The best class's label. */
    public String label() {
        return topK.top1().label();
    }
}

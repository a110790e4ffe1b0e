package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.JobResult;
import dev.edgeinfer.operators.sensor.SensorWindow;

/**
 * One scored window, as written to {@code edge.inference.results} (see {@link SensorResultJson}).
 *
 * @param deviceId the device
 * @param window the window's index for this device
 * @param windowStart event time of the window's oldest reading
 * @param windowEnd event time of the window's newest reading (the window's event time)
 * @param score the model's anomaly probability
 * @param anomaly {@code score >= threshold}
 * @param model lineage: the model version that scored the window
 * @param site the edge site that ran the job
 * @param sourceTimestamp Kafka timestamp of the window's newest reading
 */
public record SensorResult(
        String deviceId,
        long window,
        long windowStart,
        long windowEnd,
        float score,
        boolean anomaly,
        ModelId model,
        String site,
        long sourceTimestamp) implements JobResult {

    /** Builds a result; used as the inference operator's result builder. */
    public static SensorResult of(
            SensorWindow w, float score, float threshold, ModelId model, String site) {
        return new SensorResult(
                w.deviceId(),
                w.index(),
                w.startTs(),
                w.endTs(),
                score,
                score >= threshold,
                model,
                site,
                w.sourceTimestamp());
    }
}

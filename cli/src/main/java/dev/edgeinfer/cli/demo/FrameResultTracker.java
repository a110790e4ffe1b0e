package dev.edgeinfer.cli.demo;

import dev.edgeinfer.jobs.frames.FrameResult;
import dev.edgeinfer.jobs.frames.FrameResultJson;
import dev.edgeinfer.jobs.frames.FrameWarmup;
import dev.edgeinfer.simulation.frames.FrameFleetSimulator;

import java.util.Map;
import java.util.TreeMap;

/**
 * The frame demo's {@link ResultTracker}: reads {@link FrameResult}s (one per frame) and scores
 * top-1 accuracy against the simulator's labels, per version.
 */
public final class FrameResultTracker extends ResultTracker<FrameResult> {

    private final FrameFleetSimulator truth;
    private final Map<String, long[]> accuracyPerVersion = new TreeMap<>(); // {results, correct}
    private long unknownFrames;

    public FrameResultTracker(String bootstrapServers, String resultsTopic, String deadLetterTopic, String statusTopic,
            FrameFleetSimulator truth) {
        super(bootstrapServers, "edgeinfer-frame-demo-reader", Map.of(), FrameResultJson::fromJson,
                r -> FrameFleetSimulator.frameId(r.cameraId(), r.frameTs()), resultsTopic, deadLetterTopic, statusTopic);
        this.truth = truth;
    }

    @Override
    protected byte[] warmupSample() {
        return FrameResultJson.toJson(FrameWarmup.result());
    }

    @Override
    protected void clearOwnBooks() {
        accuracyPerVersion.clear();
        unknownFrames = 0;
    }

    @Override
    protected Sample onDistinctResult(FrameResult result, String version, long latencyMicros) {
        String label = truth.label(result.cameraId(), result.frameTs());
        if (label == null) {
            unknownFrames++;
        }
        long[] counts = accuracyPerVersion.computeIfAbsent(version, v -> new long[2]);
        counts[0]++;
        counts[1] += result.label().equals(label) ? 1 : 0;
        return new Sample(result.cameraId(), 0, result.frameTs(), version, latencyMicros);
    }

    /** Results for frames the simulator never sent as good frames (must stay 0). */
    public synchronized long unknownFrames() {
        return unknownFrames;
    }

    /** Distinct results per version: {results, top-1 correct}. */
    public synchronized Map<String, long[]> accuracyPerVersion() {
        Map<String, long[]> out = new TreeMap<>();
        accuracyPerVersion.forEach((v, c) -> out.put(v, c.clone()));
        return out;
    }
}

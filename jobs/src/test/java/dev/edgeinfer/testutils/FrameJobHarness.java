package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;

import java.nio.file.Path;

/** Fresh topics and a frame job configuration for one integration test. */
public final class FrameJobHarness extends JobHarness {

    public final String frames;

    /** Topics for one test; models come from the control topic, as {@code file:} URIs under {@code modelsRoot}. */
    public FrameJobHarness(EdgeInferCluster cluster, Path modelsRoot, int partitions) {
        super(cluster, "frames", partitions, FRAME_KEYS, modelsRoot.toString());
        frames = input;
        conf.set(FrameJobOptions.MAX_RECORD_BYTES, 256 * 1024);
    }

    public FrameJobConfig config() {
        return FrameJobConfig.from(conf);
    }
}

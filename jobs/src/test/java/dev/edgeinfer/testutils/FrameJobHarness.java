package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;

import java.nio.file.Path;

/** Fresh topics and a frame job configuration for one integration test. */
public final class FrameJobHarness extends JobHarness {

    private static final JobKeys KEYS = new JobKeys(FrameJobOptions.FRAMES_TOPIC, FrameJobOptions.RESULTS_TOPIC,
            FrameJobOptions.DEADLETTER_TOPIC, FrameJobOptions.GROUP_ID, FrameJobOptions.TRANSACTIONAL_ID_PREFIX,
            FrameJobOptions.STARTING_OFFSETS);

    public final String frames;

    /** Topics for one test; models come from the control topic, as {@code file:} URIs under {@code modelsRoot}. */
    public FrameJobHarness(EdgeInferCluster cluster, Path modelsRoot, int partitions) {
        this(cluster.jobTopics("frames", partitions), cluster.bootstrapServers(), modelsRoot);
    }

    private FrameJobHarness(JobTopics topics, String bootstrapServers, Path modelsRoot) {
        super(topics, KEYS, bootstrapServers, modelsRoot.toString());
        frames = topics.input();
        conf.set(FrameJobOptions.MAX_RECORD_BYTES, 256 * 1024);
    }

    public FrameJobConfig config() {
        return FrameJobConfig.from(conf);
    }
}

package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;

import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Fresh topics and a frame job configuration for one integration test. */
public final class FrameJobHarness {

    public final String frames;
    public final String results;
    public final String deadLetters;
    public final String control;
    public final String status;
    public final String blobs;
    public final Configuration conf = new Configuration();

    /** Topics for one test; models come from the control topic, as {@code file:} URIs under {@code modelsRoot}. */
    public FrameJobHarness(EmbeddedKafkaBroker kafka, Path modelsRoot, int partitions) {
        frames = KafkaTestUtils.freshTopic("frames");
        results = KafkaTestUtils.freshTopic("results");
        deadLetters = KafkaTestUtils.freshTopic("deadletter");
        control = KafkaTestUtils.freshTopic("control");
        status = KafkaTestUtils.freshTopic("status");
        blobs = KafkaTestUtils.freshTopic("blobs");
        kafka.createTopics(partitions, frames, results);
        kafka.createTopics(1, deadLetters, status, blobs);
        kafka.createTopics(1, Map.of("cleanup.policy", "compact"), control);
        String unique = frames.substring(frames.indexOf('.') + 1);
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(FrameJobOptions.FRAMES_TOPIC, frames);
        conf.set(FrameJobOptions.RESULTS_TOPIC, results);
        conf.set(FrameJobOptions.DEADLETTER_TOPIC, deadLetters);
        conf.set(KafkaJobOptions.CONTROL_TOPIC, control);
        conf.set(KafkaJobOptions.STATUS_TOPIC, status);
        conf.set(KafkaJobOptions.BLOBS_TOPIC, blobs);
        conf.set(FrameJobOptions.GROUP_ID, "it-" + unique);
        conf.set(FrameJobOptions.TRANSACTIONAL_ID_PREFIX, "it-" + unique);
        conf.set(FrameJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
        conf.set(KafkaJobOptions.PARALLELISM, 2);
        conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(KafkaJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
        conf.set(KafkaJobOptions.MODELS_ROOT, modelsRoot.toString());
        conf.set(FrameJobOptions.MAX_RECORD_BYTES, 256 * 1024);
    }

    public FrameJobConfig config() {
        return FrameJobConfig.from(conf);
    }
}

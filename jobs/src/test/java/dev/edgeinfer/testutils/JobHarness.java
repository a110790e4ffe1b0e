package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobOptions;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/**
 * Fresh topics and a job configuration for one integration test, so tests never share topics,
 * consumer groups or transactional ids: what {@link SensorJobHarness} and {@link FrameJobHarness}
 * share. The topics come from {@link EdgeInferCluster#jobTopics}; the two jobs name some options
 * differently ({@link JobKeys}).
 */
public abstract class JobHarness {

    public final String results;
    public final String deadLetters;
    public final String control;
    public final String status;
    public final String blobs;
    public final Configuration conf = new Configuration();

    /** The keys of the options the two jobs name differently. */
    record JobKeys(
            ConfigOption<String> inputTopic,
            ConfigOption<String> resultsTopic,
            ConfigOption<String> deadLetterTopic,
            ConfigOption<String> groupId,
            ConfigOption<String> transactionalIdPrefix,
            ConfigOption<KafkaJobOptions.StartingOffsets> startingOffsets) {}

    static final JobKeys SENSOR_KEYS = new JobKeys(SensorJobOptions.READINGS_TOPIC, SensorJobOptions.RESULTS_TOPIC,
            SensorJobOptions.DEADLETTER_TOPIC, SensorJobOptions.GROUP_ID, SensorJobOptions.TRANSACTIONAL_ID_PREFIX,
            SensorJobOptions.STARTING_OFFSETS);
    static final JobKeys FRAME_KEYS = new JobKeys(FrameJobOptions.FRAMES_TOPIC, FrameJobOptions.RESULTS_TOPIC,
            FrameJobOptions.DEADLETTER_TOPIC, FrameJobOptions.GROUP_ID, FrameJobOptions.TRANSACTIONAL_ID_PREFIX,
            FrameJobOptions.STARTING_OFFSETS);

    /** The job's input topic (readings or frames). */
    final String input;

    JobHarness(EdgeInferCluster cluster, String inputBase, int partitions, JobKeys keys, String modelsRoot) {
        JobTopics topics = cluster.jobTopics(inputBase, partitions);
        input = topics.input();
        results = topics.results();
        deadLetters = topics.deadLetters();
        control = topics.control();
        status = topics.status();
        blobs = topics.blobs();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
        conf.set(keys.inputTopic(), input);
        conf.set(keys.resultsTopic(), results);
        conf.set(keys.deadLetterTopic(), deadLetters);
        conf.set(KafkaJobOptions.CONTROL_TOPIC, control);
        conf.set(KafkaJobOptions.STATUS_TOPIC, status);
        conf.set(KafkaJobOptions.BLOBS_TOPIC, blobs);
        conf.set(keys.groupId(), "it-" + topics.unique());
        conf.set(keys.transactionalIdPrefix(), "it-" + topics.unique());
        conf.set(keys.startingOffsets(), KafkaJobOptions.StartingOffsets.EARLIEST);
        conf.set(KafkaJobOptions.PARALLELISM, 2);
        conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(KafkaJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
        conf.set(KafkaJobOptions.MODELS_ROOT, modelsRoot);
    }
}

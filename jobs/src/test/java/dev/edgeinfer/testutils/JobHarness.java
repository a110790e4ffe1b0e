package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.SensorJobOptions;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/**
 * Fresh topics and a job configuration for one integration test, so tests never share topics,
 * consumer groups or transactional ids. What the sensor and frame jobs share; their own option
 * keys come from {@link SensorJobHarness} and {@link FrameJobHarness}.
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
            ConfigOption<SensorJobOptions.StartingOffsets> startingOffsets) {}

    JobHarness(JobTopics topics, JobKeys keys, String bootstrapServers, String modelsRoot) {
        results = topics.results();
        deadLetters = topics.deadLetters();
        control = topics.control();
        status = topics.status();
        blobs = topics.blobs();
        conf.set(SensorJobOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        conf.set(keys.inputTopic(), topics.input());
        conf.set(keys.resultsTopic(), results);
        conf.set(keys.deadLetterTopic(), deadLetters);
        conf.set(SensorJobOptions.CONTROL_TOPIC, control);
        conf.set(SensorJobOptions.STATUS_TOPIC, status);
        conf.set(SensorJobOptions.BLOBS_TOPIC, blobs);
        conf.set(keys.groupId(), "it-" + topics.unique());
        conf.set(keys.transactionalIdPrefix(), "it-" + topics.unique());
        conf.set(keys.startingOffsets(), SensorJobOptions.StartingOffsets.EARLIEST);
        conf.set(SensorJobOptions.PARALLELISM, 2);
        conf.set(SensorJobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(SensorJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
        conf.set(SensorJobOptions.MODELS_ROOT, modelsRoot);
    }
}

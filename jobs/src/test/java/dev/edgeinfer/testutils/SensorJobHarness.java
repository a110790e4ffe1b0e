package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.BuiltModel;

import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/**
 * Fresh topics and a job configuration for one integration test, so tests never share topics,
 * consumer groups or transactional ids.
 */
public final class SensorJobHarness {

    public final String readings;
    public final String results;
    public final String deadLetters;
    public final String control;
    public final String status;
    public final String blobs;
    public final Configuration conf = new Configuration();

    /** Topics for one test; the job's initial model is {@code model} (null: releases only). */
    public SensorJobHarness(EmbeddedKafkaBroker kafka, BuiltModel model, int partitions) {
        readings = KafkaTestUtils.freshTopic("readings");
        results = KafkaTestUtils.freshTopic("results");
        deadLetters = KafkaTestUtils.freshTopic("deadletter");
        control = KafkaTestUtils.freshTopic("control");
        status = KafkaTestUtils.freshTopic("status");
        blobs = KafkaTestUtils.freshTopic("blobs");
        kafka.createTopics(partitions, readings, results);
        kafka.createTopics(1, deadLetters, status, blobs);
        kafka.createTopics(1, java.util.Map.of("cleanup.policy", "compact"), control);
        String unique = readings.substring(readings.indexOf('.') + 1);
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(SensorJobOptions.READINGS_TOPIC, readings);
        conf.set(SensorJobOptions.RESULTS_TOPIC, results);
        conf.set(SensorJobOptions.DEADLETTER_TOPIC, deadLetters);
        conf.set(KafkaJobOptions.CONTROL_TOPIC, control);
        conf.set(KafkaJobOptions.STATUS_TOPIC, status);
        conf.set(KafkaJobOptions.BLOBS_TOPIC, blobs);
        conf.set(SensorJobOptions.GROUP_ID, "it-" + unique);
        conf.set(SensorJobOptions.TRANSACTIONAL_ID_PREFIX, "it-" + unique);
        conf.set(SensorJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
        conf.set(KafkaJobOptions.PARALLELISM, 2);
        conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(KafkaJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
        conf.set(KafkaJobOptions.MODELS_ROOT, TestingModels.dir().toString());
        if (model != null) {
            conf.set(SensorJobOptions.MODEL_NAME, model.id().name());
            conf.set(KafkaJobOptions.MODEL_VERSION, model.id().version());
            conf.set(SensorJobOptions.MODEL_PATH, model.file().toString());
            conf.set(KafkaJobOptions.MODEL_SHA256, model.id().sha256());
            conf.set(SensorJobOptions.CHANNELS, model.channels());
            conf.set(SensorJobOptions.WINDOW_SIZE, model.windowSize());
        }
    }

    public SensorJobConfig config() {
        return SensorJobConfig.from(conf);
    }
}

package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.simulation.models.BuiltModel;

import java.time.Duration;

/** Fresh topics and a sensor job configuration for one integration test. */
public final class SensorJobHarness extends JobHarness {

    public final String readings;

    /** Topics for one test; the job's initial model is {@code model} (null: releases only). */
    public SensorJobHarness(EdgeInferCluster cluster, BuiltModel model, int partitions) {
        super(cluster, "readings", partitions, SENSOR_KEYS, TestingModels.dir().toString());
        readings = input;
        if (model != null) {
            conf.set(SensorJobOptions.MODEL_NAME, model.id().name());
            conf.set(KafkaJobOptions.MODEL_VERSION, model.id().version());
            conf.set(SensorJobOptions.MODEL_PATH, model.file().toString());
            conf.set(KafkaJobOptions.MODEL_SHA256, model.id().sha256());
            conf.set(SensorJobOptions.CHANNELS, model.channels());
            conf.set(SensorJobOptions.WINDOW_SIZE, model.windowSize());
        }
    }

    /** Releases only (none is configured at start): the model name and window geometry of {@code geometry}. */
    public static SensorJobHarness releasesOnly(EdgeInferCluster cluster, BuiltModel geometry, int partitions) {
        SensorJobHarness harness = new SensorJobHarness(cluster, null, partitions);
        harness.conf.set(SensorJobOptions.MODEL_NAME, geometry.id().name());
        harness.conf.set(SensorJobOptions.CHANNELS, geometry.channels());
        harness.conf.set(SensorJobOptions.WINDOW_SIZE, geometry.windowSize());
        return harness;
    }

    /** Out-of-order data: this much allowed lateness and out-of-orderness, idle sources after 1 s. */
    public SensorJobHarness outOfOrder(Duration allowedLateness, Duration outOfOrderness) {
        conf.set(KafkaJobOptions.MODEL_ALLOWED_LATENESS, allowedLateness);
        conf.set(SensorJobOptions.MAX_OUT_OF_ORDERNESS, outOfOrderness);
        conf.set(KafkaJobOptions.WATERMARK_IDLENESS, Duration.ofSeconds(1));
        return this;
    }

    /**
     * Sources count as idle (and stop holding the watermark back) after {@code idleness}. The
     * default of {@link #outOfOrder} is 1 s; a test that produces a backlog at once and must see
     * no late record on a loaded machine needs longer, or a partition read a second behind the
     * others makes its records late.
     */
    public SensorJobHarness idleSourcesAfter(Duration idleness) {
        conf.set(KafkaJobOptions.WATERMARK_IDLENESS, idleness);
        return this;
    }

    /** Exactly-once delivery: transactional results, read back with read_committed. */
    public SensorJobHarness exactlyOnce() {
        conf.set(KafkaJobOptions.DELIVERY_GUARANTEE, KafkaJobOptions.DeliveryGuarantee.EXACTLY_ONCE);
        return this;
    }

    public SensorJobConfig config() {
        return SensorJobConfig.from(conf);
    }
}

package dev.edgeinfer.cli.demo;

import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;
import dev.edgeinfer.jobs.sensor.SensorWarmup;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.Map;
import java.util.TreeMap;

/**
 * The sensor demo's {@link ResultTracker}: reads {@link SensorResult}s (one per device window)
 * and scores detection quality against the simulator's ground truth, overall and per version.
 */
public final class SensorResultTracker extends ResultTracker<SensorResult> {

    /** Ground truth lookup: is window {@code index} of {@code deviceId} anomalous? */
    @FunctionalInterface
    public interface Truth {
        boolean windowIsAnomalous(String deviceId, long index);
    }

    private static final String FIRST_DEVICE = SensorFleetSimulator.deviceId(0);

    private final Truth truth;
    private final Map<String, long[]> confusionPerVersion = new TreeMap<>();
    private long truePositives;
    private long falsePositives;
    private long falseNegatives;
    private long trueNegatives;

    public SensorResultTracker(
            String bootstrapServers, String resultsTopic, String deadLetterTopic, String statusTopic, Truth truth) {
        super(bootstrapServers, "edgeinfer-demo-reader", Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000"),
                SensorResultJson::fromJson, r -> r.deviceId() + "#" + r.window(), resultsTopic, deadLetterTopic, statusTopic);
        this.truth = truth;
    }

    @Override
    protected byte[] warmupSample() {
        SensorResult r = SensorWarmup.result(8, 16);
        // The fleet's first device (every fleet has one), so that the dry run's ground-truth lookup finds it.
        return SensorResultJson.toJson(new SensorResult(FIRST_DEVICE, r.window(), r.windowStart(), r.windowEnd(), r.score(),
                r.anomaly(), r.model(), r.site(), r.sourceTimestamp()));
    }

    @Override
    protected void clearOwnBooks() {
        confusionPerVersion.clear();
        truePositives = 0;
        falsePositives = 0;
        falseNegatives = 0;
        trueNegatives = 0;
    }

    @Override
    protected Sample onDistinctResult(SensorResult result, String version, long latencyMicros) {
        boolean actual = truth.windowIsAnomalous(result.deviceId(), result.window());
        long[] confusion = confusionPerVersion.computeIfAbsent(version, v -> new long[4]);
        if (result.anomaly() && actual) {
            truePositives++;
            confusion[0]++;
        } else if (result.anomaly()) {
            falsePositives++;
            confusion[1]++;
        } else if (actual) {
            falseNegatives++;
            confusion[2]++;
        } else {
            trueNegatives++;
            confusion[3]++;
        }
        return new Sample(result.deviceId(), result.window(), result.windowEnd(), version, latencyMicros);
    }

    /** Overall detection quality over distinct results. */
    public synchronized Quality quality() {
        return new Quality(truePositives, falsePositives, falseNegatives, trueNegatives);
    }

    /** Detection quality per model version. */
    public synchronized Map<String, Quality> qualityPerVersion() {
        Map<String, Quality> out = new TreeMap<>();
        confusionPerVersion.forEach((v, c) -> out.put(v, new Quality(c[0], c[1], c[2], c[3])));
        return out;
    }

    /** Precision and recall with the counts behind them. */
    public record Quality(long truePositives, long falsePositives, long falseNegatives, long trueNegatives) {

        /** TP / (TP + FP); 1.0 when nothing was flagged. */
        public double precision() {
            long flagged = truePositives + falsePositives;
            return flagged == 0 ? 1.0 : (double) truePositives / flagged;
        }

        /** TP / (TP + FN); 1.0 when nothing was anomalous. */
        public double recall() {
            long actual = truePositives + falseNegatives;
            return actual == 0 ? 1.0 : (double) truePositives / actual;
        }
    }
}

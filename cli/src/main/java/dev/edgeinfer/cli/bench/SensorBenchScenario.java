package dev.edgeinfer.cli.bench;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;
import dev.edgeinfer.simulation.sensor.AnomalyKind;
import dev.edgeinfer.simulation.sensor.LabelledWindows;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;
import dev.edgeinfer.simulation.sensor.SensorSignal;

import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sensor anomaly workload: JSON readings of {@value SensorModelSpec#DEFAULT_CHANNELS}
 * channels, sliding count windows of {@value SensorModelSpec#DEFAULT_WINDOW_SIZE} readings every
 * {@value SensorModelSpec#DEFAULT_SLIDE}, scored by the Tribuo-trained logistic regression (v1,
 * then v2 for the rollover). One inference = one window; a window's latency is measured from
 * the intended send time of its newest reading (the reading that completed it).
 */
public final class SensorBenchScenario implements BenchScenario<SensorWindow, Float> {

    /** The sensor anomaly job and its pass-through, serving the default sensor model. */
    private static final BenchJobs<SensorJobConfig> JOBS = new BenchJobs<>(SensorJobOptions.GROUP_ID,
            SensorJobOptions.STARTING_OFFSETS, SensorJobOptions.READINGS_TOPIC, SensorJobOptions.RESULTS_TOPIC,
            SensorJobOptions.MODEL_NAME, SensorModelSpec.DEFAULT_NAME, SensorJobConfig::from, SensorAnomalyJob::build,
            PassthroughJob::sensor);

    private final int channels = SensorModelSpec.DEFAULT_CHANNELS;
    private final int windowSize = SensorModelSpec.DEFAULT_WINDOW_SIZE;
    private final int slide = SensorModelSpec.DEFAULT_SLIDE;
    private final Topics topics;

    public SensorBenchScenario() {
        this.topics = Topics.withDefaultNames(SensorJobOptions.READINGS_TOPIC, SensorJobOptions.RESULTS_TOPIC, SensorJobOptions.DEADLETTER_TOPIC,
                "edge.bench.passthrough.in", "edge.bench.passthrough.out");
    }

    @Override
    public String name() {
        return "sensor";
    }

    @Override
    public String unit() {
        return "windows";
    }

    @Override
    public double inputsPerInference() {
        return slide;
    }

    @Override
    public double defaultRate() {
        return 2_000;
    }

    @Override
    public long defaultBacklog() {
        return 200_000;
    }

    @Override
    public double p99TargetMs() {
        return 10.0;
    }

    @Override
    public int devices(double ratePerSecond) {
        // 20 like the demo; more at high rates so one device's readings stay >= 2 ms apart.
        return Math.max(20, (int) Math.ceil(ratePerSecond / 500.0));
    }

    @Override
    public Topics topics() {
        return topics;
    }

    @Override
    public List<ServedModel> buildModels(Path dir, PrintStream out) throws Exception {
        List<ServedModel> models = new ArrayList<>();
        for (SensorModelSpec spec : List.of(SensorModelSpec.v1(), SensorModelSpec.v2())) {
            BuiltModel m = SensorModelFactory.build(spec.withGeometry(channels, windowSize, slide), dir);
            out.printf(Locale.ROOT, "      %s  (%d features -> score; held-out precision %.2f recall %.2f)%n",
                    m.id(), m.featureCount(), m.heldOutPrecision(), m.heldOutRecall());
            models.add(new ServedModel(m.id(), m.file()));
        }
        return models;
    }

    @Override
    public ModelAdapter<SensorWindow, Float> adapter() {
        return new SensorAnomalyAdapter(channels, windowSize);
    }

    @Override
    public List<SensorWindow> bareOrtBatch(int batchSize, long seed) {
        List<SensorWindow> batch = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            SensorSignal signal = new SensorSignal(channels, SensorSignal.deviceSeed(seed, b), 0.05, AnomalyKind.anomalies());
            float[] values = new float[channels * windowSize];
            for (int i = 0; i < windowSize; i++) {
                System.arraycopy(signal.next().values(), 0, values, i * channels, channels);
            }
            batch.add(new SensorWindow("bench-" + b, 0, 0, windowSize - 1, 0, channels, values));
        }
        return batch;
    }

    @Override
    public Inputs newInputs(String prefix, int devices, long seed) {
        SensorSignal[] signals = new SensorSignal[devices];
        byte[][] keys = new byte[devices][];
        String[] ids = new String[devices];
        for (int d = 0; d < devices; d++) {
            signals[d] = new SensorSignal(channels, SensorSignal.deviceSeed(seed, d), 0.01, AnomalyKind.anomalies());
            ids[d] = deviceId(prefix, d);
            keys[d] = ids[d].getBytes(StandardCharsets.UTF_8);
        }
        return (topic, device, seq, eventTimeMs) -> new ProducerRecord<>(
                topic, null, eventTimeMs, keys[device],
                SensorFleetSimulator.readingJson(ids[device], eventTimeMs, signals[device].next().values()));
    }

    static String deviceId(String prefix, int device) {
        return String.format(Locale.ROOT, "%s%04d", prefix, device);
    }

    @Override
    public long expectedOutputs(long inputsPerDevice, int devices, boolean pipeline) {
        return pipeline ? devices * LabelledWindows.windowCount(inputsPerDevice, windowSize, slide) : devices * inputsPerDevice;
    }

    @Override
    public BenchJobs<?> jobs() {
        return JOBS;
    }

    /** This scenario's window geometry, which the job must window readings by as the models were trained. */
    @Override
    public void configureJob(Configuration conf) {
        conf.set(SensorJobOptions.CHANNELS, channels);
        conf.set(SensorJobOptions.WINDOW_SIZE, windowSize);
        conf.set(SensorJobOptions.WINDOW_SLIDE, slide);
    }

    /** The job's default micro-batch size ({@code batch.max-size}). */
    public static int defaultBatchSize() {
        return KafkaJobOptions.BATCH_MAX_SIZE.defaultValue();
    }

    /** The job's default micro-batch delay ({@code batch.max-delay}). */
    public static java.time.Duration defaultBatchDelay() {
        return KafkaJobOptions.BATCH_MAX_DELAY.defaultValue();
    }

    @Override
    public Output decodePipelineOutput(ConsumerRecord<byte[], byte[]> record) throws Exception {
        SensorResult r = SensorResultJson.fromJson(record.value());
        // Window k holds the device's readings [k*slide, k*slide + size): its newest completed it.
        return new Output(r.deviceId(), r.window() * slide + windowSize - 1, r.windowEnd(), r.model().version());
    }
}

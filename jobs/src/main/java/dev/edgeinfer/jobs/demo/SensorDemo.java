package dev.edgeinfer.jobs.demo;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.kafka.EmbeddedKafkaBroker;
import dev.edgeinfer.jobs.model.BuiltModel;
import dev.edgeinfer.jobs.model.SensorModelFactory;
import dev.edgeinfer.jobs.model.SensorModelSpec;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.jobs.sim.SensorFleetSimulator;

import org.HdrHistogram.Histogram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The self-contained demo: a real KRaft broker, a local Flink MiniCluster, models built on the
 * spot, a simulated sensor fleet with injected anomalies and malformed records, live progress,
 * and a summary (plus a JSON report) that counts every input and output.
 */
public final class SensorDemo {

    /** Demo settings (the CLI's flags). */
    public record Settings(
            Duration duration,
            int parallelism,
            int devices,
            double ratePerSecond,
            double malformedFraction,
            double anomalyRate,
            long seed,
            SensorJobOptions.DeliveryGuarantee deliveryGuarantee,
            Duration drainTimeout,
            Path workDir) {}

    private final Settings settings;
    private final PrintStream out;

    public SensorDemo(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the demo end to end and returns its report. */
    public DemoReport run() throws Exception {
        long started = System.nanoTime();
        Path workDir = settings.workDir() != null ? settings.workDir() : Files.createTempDirectory("edgeinfer-demo");
        Files.createDirectories(workDir);
        out.printf("EdgeInfer demo: %s, parallelism %d, %d devices at %.0f readings/s, %s%n",
                human(settings.duration()), settings.parallelism(), settings.devices(),
                settings.ratePerSecond(), settings.deliveryGuarantee());

        out.print("[1/4] starting Kafka (KRaft) on 127.0.0.1 ... ");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            out.println(kafka.bootstrapServers());
            Configuration jobConf = new Configuration();
            jobConf.set(SensorJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            kafka.createTopics(4, jobConf.get(SensorJobOptions.READINGS_TOPIC), jobConf.get(SensorJobOptions.RESULTS_TOPIC));
            kafka.createTopics(1, jobConf.get(SensorJobOptions.DEADLETTER_TOPIC));

            out.print("[2/4] building the sensor anomaly model (Tribuo logistic regression -> ONNX) ... ");
            BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), workDir.resolve("models"));
            out.printf("%s  held-out precision %.2f recall %.2f%n", v1.id(), v1.heldOutPrecision(), v1.heldOutRecall());

            jobConf.set(SensorJobOptions.MODEL_NAME, v1.id().name());
            jobConf.set(SensorJobOptions.MODEL_VERSION, v1.id().version());
            jobConf.set(SensorJobOptions.MODEL_PATH, v1.file().toString());
            jobConf.set(SensorJobOptions.MODEL_SHA256, v1.id().sha256());
            jobConf.set(SensorJobOptions.PARALLELISM, settings.parallelism());
            jobConf.set(SensorJobOptions.DELIVERY_GUARANTEE, settings.deliveryGuarantee());
            jobConf.set(SensorJobOptions.STARTING_OFFSETS, SensorJobOptions.StartingOffsets.EARLIEST);
            jobConf.set(SensorJobOptions.CHANNELS, v1.channels());
            jobConf.set(SensorJobOptions.WINDOW_SIZE, v1.windowSize());
            jobConf.set(SensorJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
            SensorJobConfig config = SensorJobConfig.from(jobConf);

            out.print("[3/4] starting the Flink job on a local MiniCluster ... ");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(localClusterConfig(settings.parallelism()));
            SensorAnomalyJob.build(env, config);
            JobClient job = env.executeAsync(SensorAnomalyJob.JOB_NAME);
            waitUntilRunning(job);
            out.println("running (job " + job.getJobID() + ")");

            try (SensorFleetSimulator simulator =
                            new SensorFleetSimulator(
                                    kafka.bootstrapServers(),
                                    config.readingsTopic(),
                                    settings.devices(),
                                    config.channels(),
                                    settings.ratePerSecond(),
                                    settings.malformedFraction(),
                                    settings.anomalyRate(),
                                    settings.seed());
                    ResultTracker tracker =
                            new ResultTracker(
                                    kafka.bootstrapServers(),
                                    config.resultsTopic(),
                                    config.deadLetterTopic(),
                                    (device, index) ->
                                            simulator.windowIsAnomalous(device, index, config.windowSize(), config.windowSlide()))) {
                tracker.start();
                out.printf("[4/4] producing for %s; progress every 2 s%n", human(settings.duration()));
                Thread producer = new Thread(() -> simulator.run(settings.duration(), () -> false), "edgeinfer-simulator");
                producer.start();
                long produceStart = System.nanoTime();
                while (producer.isAlive()) {
                    producer.join(2000);
                    printProgress(simulator, tracker, config, produceStart);
                    failIfJobDied(job);
                }
                long expected = simulator.expectedWindows(config.windowSize(), config.windowSlide());
                out.printf("      producing done; waiting up to %s for the last results ...%n", human(settings.drainTimeout()));
                long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
                while (System.nanoTime() < deadline
                        && (tracker.distinctResults() < expected || tracker.deadLettered() < simulator.malformedInjected())) {
                    Thread.sleep(100);
                    failIfJobDied(job);
                }
                // A short grace period so late duplicates, if any, are counted too.
                Thread.sleep(300);
                job.cancel().get(30, TimeUnit.SECONDS);

                if (simulator.sendErrors() > 0) {
                    throw new IllegalStateException(
                            simulator.sendErrors() + " readings could not be written to Kafka", simulator.firstSendError());
                }
                if (!tracker.unreadable().isEmpty()) {
                    throw new IllegalStateException("unreadable results: " + tracker.unreadable().get(0));
                }
                Histogram latency = tracker.latency();
                DemoReport report =
                        new DemoReport(
                                simulator.sent(),
                                simulator.validReadings(),
                                expected,
                                tracker.results(),
                                tracker.duplicates(),
                                Math.max(0, expected - tracker.distinctResults()),
                                tracker.deadLettered(),
                                simulator.malformedInjected(),
                                tracker.perVersion(),
                                DemoReport.Anomaly.of(tracker.quality()),
                                tracker.qualityPerVersion().entrySet().stream()
                                        .collect(Collectors.toMap(Map.Entry::getKey, e -> DemoReport.Anomaly.of(e.getValue()),
                                                (a, b) -> a, java.util.TreeMap::new)),
                                new DemoReport.LatencyMs(
                                        ms(latency.getValueAtPercentile(50)),
                                        ms(latency.getValueAtPercentile(99)),
                                        ms(latency.getMaxValue()),
                                        latency.getTotalCount()),
                                tracker.deadLetterReasons(),
                                new DemoReport.Run(
                                        DemoReport.round((System.nanoTime() - started) / 1e9),
                                        settings.parallelism(),
                                        settings.devices(),
                                        settings.ratePerSecond(),
                                        settings.deliveryGuarantee().name(),
                                        v1.id().toString(),
                                        Runtime.getRuntime().availableProcessors(),
                                        System.getProperty("java.version")));
                printSummary(report, v1);
                return report;
            }
        }
    }

    /** MiniCluster settings for local runs: one slot per subtask, small managed memory. */
    public static Configuration localClusterConfig(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(64));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(64));
        return conf;
    }

    static void waitUntilRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
                throw new IllegalStateException("the job ended before it ran: " + status);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job did not reach RUNNING within 60 s");
    }

    private static void failIfJobDied(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the Flink job stopped unexpectedly: " + status);
        }
    }

    private void printProgress(SensorFleetSimulator sim, ResultTracker tracker, SensorJobConfig config, long since) {
        Histogram interval = tracker.takeIntervalLatency();
        out.printf(Locale.ROOT,
                "      t=%3ds  produced %7d  windows %6d/%-6d  dead-lettered %4d/%-4d  latency p50 %5.1f ms  p99 %5.1f ms%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since),
                sim.sent(),
                tracker.distinctResults(),
                sim.expectedWindows(config.windowSize(), config.windowSlide()),
                tracker.deadLettered(),
                sim.malformedInjected(),
                interval.getTotalCount() == 0 ? 0.0 : ms(interval.getValueAtPercentile(50)),
                interval.getTotalCount() == 0 ? 0.0 : ms(interval.getValueAtPercentile(99)));
    }

    private void printSummary(DemoReport r, BuiltModel model) {
        out.println();
        out.println("EdgeInfer demo summary");
        out.println("----------------------");
        out.printf(Locale.ROOT, "  inputs           %8d records (%d valid readings, %d malformed on purpose)%n",
                r.inputs(), r.validReadings(), r.malformedInjected());
        out.printf(Locale.ROOT, "  windows expected %8d%n", r.windows());
        out.printf(Locale.ROOT, "  results          %8d (duplicates %d, lost %d)%n", r.results(), r.duplicates(), r.lost());
        out.printf(Locale.ROOT, "  dead-lettered    %8d of %d malformed  %s%n", r.deadLettered(), r.malformedInjected(), r.deadLetterReasons());
        r.perVersion().forEach((version, count) -> {
            DemoReport.Anomaly q = r.anomalyPerVersion().get(version);
            out.printf(Locale.ROOT, "  model %s %-4s  %8d windows  precision %.3f  recall %.3f%n",
                    model.id().name(), version, count, q.precision(), q.recall());
        });
        out.printf(Locale.ROOT, "  anomalies        precision %.3f  recall %.3f  (TP %d, FP %d, FN %d)%n",
                r.anomaly().precision(), r.anomaly().recall(), r.anomaly().truePositives(),
                r.anomaly().falsePositives(), r.anomaly().falseNegatives());
        out.printf(Locale.ROOT, "  latency          p50 %.1f ms  p99 %.1f ms  max %.1f ms  (reading produced -> result readable, %d samples)%n",
                r.latencyMs().p50(), r.latencyMs().p99(), r.latencyMs().max(), r.latencyMs().samples());
        boolean ok = r.lost() == 0 && r.deadLettered() == r.malformedInjected();
        out.println(ok
                ? "  verdict          OK: every window scored, every malformed record dead-lettered"
                : "  verdict          FAILED: " + r.lost() + " windows lost, "
                        + (r.malformedInjected() - r.deadLettered()) + " malformed records not dead-lettered");
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    private static String human(Duration d) {
        return d.toSeconds() + " s";
    }
}

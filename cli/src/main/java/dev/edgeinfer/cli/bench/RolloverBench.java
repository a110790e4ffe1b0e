package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import org.apache.flink.core.execution.JobClient;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code edgeinfer bench --scenario rollovers}: the sensor pipeline under open-loop load while
 * {@code count} releases roll over one after another, {@code interval} apart, alternating between
 * the two models' bytes, each from a file of its own so every rollover loads a session and,
 * once the watermark passes the next activation plus the allowed lateness, closes one. Right before
 * each next release is published it samples this process (everything runs in one JVM: broker,
 * MiniCluster, load): resident memory, heap in use and the ONNX Runtime sessions open; the p99 of
 * the outputs around each switch is computed at the end. Native memory that grows with the
 * number of rollovers (sessions, direct buffers or DJL managers not released) shows as RSS growth
 * and as sessions that keep climbing ({@link RolloverReport}).
 */
public final class RolloverBench extends ConsoleRun<RolloverBench.Settings> {

    /**
     * The CLI's settings.
     *
     * @param interval time between two rollovers' publications (and activations)
     * @param lead how long before its activation a release is published
     */
    public record Settings(int count, double rate, Duration interval, Duration lead, int parallelism, int batchSize,
            Duration batchDelay, Integer devices, Duration drainTimeout, Path workDir, long seed) {}

    public RolloverBench(Settings settings, PrintStream out) {
        super(settings, out);
    }

    public RolloverReport run() throws Exception {
        SensorBenchScenario scenario = new SensorBenchScenario();
        int devices = settings.devices() != null ? settings.devices() : scenario.devices(settings.rate());
        long intervalMs = settings.interval().toMillis();
        long leadMs = Math.min(settings.lead().toMillis(), intervalMs / 2);
        Path workDir = workDir(settings.workDir(), "edgeinfer-bench-rollovers");
        out.printf(Locale.ROOT, "EdgeInfer bench: scenario rollovers, %d rollovers %d ms apart (published %d ms ahead), "
                        + "%.0f records/s, parallelism %d, %d cores, Java %s%n", settings.count(), intervalMs, leadMs,
                settings.rate(), settings.parallelism(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        out.print("[1/4] starting Kafka (KRaft) ... ");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            out.println(kafka.bootstrapServers());
            BenchScenario.Topics topics = scenario.topics();
            kafka.createTopics(4, topics.pipelineInput(), topics.pipelineOutput());
            kafka.createTopics(1, topics.otherPipelineTopics().toArray(String[]::new));
            kafka.createTopics(1, Map.of("cleanup.policy", "compact"), topics.control());

            out.println("[2/4] building the models");
            Path modelsDir = Files.createDirectories(workDir.resolve("models"));
            List<BenchScenario.ServedModel> models = scenario.buildModels(modelsDir, out);
            KeyPair key = ReleaseSigning.generateKeyPair();
            Path publicKey = Files.createDirectories(workDir.resolve("trusted-keys")).resolve("bench-" + System.nanoTime() + ".pub");
            ReleaseSigning.writePublicKey(publicKey, key.getPublic());
            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), topics.control());
            List<ModelRelease> published = new ArrayList<>();
            published.add(release(models.get(0), "r0", 0L, key));
            control.publish(published.get(0));

            BenchScenario.JobSpec spec = new BenchScenario.JobSpec(kafka.bootstrapServers(), settings.parallelism(),
                    settings.batchSize(), settings.batchDelay(), "edgeinfer-bench-rollovers", modelsDir, publicKey,
                    Files.createDirectories(workDir.resolve("model-cache")));
            try (OutputRecorder recorder = new OutputRecorder(kafka.bootstrapServers(), topics.pipelineOutput(),
                    scenario::decodePipelineOutput, BenchRunner.BACKLOG_PREFIX, BenchRunner.LOAD_PREFIX)) {
                recorder.start();
                out.print("[3/4] starting the pipeline ... ");
                JobClient job = LocalCluster.startJob(settings.parallelism(), env -> scenario.buildPipeline(env, spec),
                        "edgeinfer-bench-rollovers");
                out.println("running");
                try {
                    return measure(scenario, kafka, control, recorder, job, models, published, key, devices, intervalMs,
                            leadMs);
                } finally {
                    LocalCluster.cancelQuietly(job);
                }
            }
        }
    }

    private RolloverReport measure(SensorBenchScenario scenario, EmbeddedKafkaBroker kafka, ControlTopic control,
            OutputRecorder recorder, JobClient job, List<BenchScenario.ServedModel> models, List<ModelRelease> published,
            KeyPair key, int devices, long intervalMs, long leadMs) throws Exception {
        LoadSchedule schedule = LoadSchedule.startingNow(settings.rate(), devices);
        recorder.schedule(schedule);
        long startMs = schedule.startEpochMicros() / 1_000;
        Duration loadFor = Duration.ofMillis(intervalMs * (settings.count() + 1) + leadMs);
        out.printf(Locale.ROOT, "[4/4] %.0f records/s for %d s, a rollover every %.1f s%n", settings.rate(),
                loadFor.toSeconds(), intervalMs / 1e3);
        List<double[]> process = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (LoadGenerator load = new LoadGenerator(kafka.bootstrapServers(), false)) {
            BenchScenario.Inputs inputs = scenario.newInputs(BenchRunner.LOAD_PREFIX, devices, settings.seed());
            CompletableFuture<Void> generator = CompletableFuture.runAsync(
                    () -> load.runOpenLoop(inputs, scenario.topics().pipelineInput(), schedule, loadFor, stop::get),
                    task -> new Thread(task, "edgeinfer-bench-load").start());
            try {
                for (int k = 1; k <= settings.count(); k++) {
                    sleepUntil(schedule, intervalMs * k - leadMs, job);
                    if (k > 1) {
                        process.add(sample(k - 1, published.get(k - 1)));
                    }
                    ModelRelease next = release(copyOf(models.get(k % 2 == 1 ? 1 : 0), "r" + k), "r" + k,
                            startMs + intervalMs * k, key);
                    control.publish(next);
                    published.add(next);
                }
                sleepUntil(schedule, intervalMs * (settings.count() + 1) - leadMs, job);
                process.add(sample(settings.count(), published.get(settings.count())));
            } finally {
                stop.set(true);
                generator.handle((done, failure) -> done).join();
            }
            generator.join(); // the generator's own failure, if any
            load.failOnSendErrors();
            long expected = load.expectedOutputs(scenario, devices, true);
            long waitUntil = System.nanoTime() + settings.drainTimeout().toNanos();
            while (recorder.loadOutputs() < expected && System.nanoTime() < waitUntil) {
                Thread.sleep(50);
                LocalCluster.failIfJobDied(job);
            }
            return report(recorder, published, process, expected, startMs, devices, intervalMs, leadMs);
        }
    }

    /** [index, rss, heap, sessions] right before the next release is published. */
    private double[] sample(int index, ModelRelease current) {
        double[] s = {index, ProcessMemory.rssMb(), ProcessMemory.heapUsedMb(), OnnxModelRunner.openRunners()};
        out.printf(Locale.ROOT, "      rollover %3d (%s)  RSS %7.1f MiB  heap %6.1f MiB  ONNX sessions %2d%n", index,
                current.version(), s[1], s[2], (int) s[3]);
        return s;
    }

    private void sleepUntil(LoadSchedule schedule, long offsetMs, JobClient job) throws Exception {
        long due = schedule.startNanos() + TimeUnit.MILLISECONDS.toNanos(offsetMs);
        while (System.nanoTime() < due) {
            Thread.sleep(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()))));
            LocalCluster.failIfJobDied(job);
        }
    }

    /**
     * The model's bytes under a file of their own: a release of the same bytes from another URI
     * loads its own session (sessions are shared only between releases of the same bytes, URI and
     * metadata), so every rollover opens one and, once retired, closes one.
     */
    private static BenchScenario.ServedModel copyOf(BenchScenario.ServedModel model, String version) throws Exception {
        Path copy = model.file().resolveSibling(version + "-" + model.file().getFileName());
        Files.copy(model.file(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new BenchScenario.ServedModel(model.id(), copy, model.metadata());
    }

    private static ModelRelease release(BenchScenario.ServedModel model, String version, long activateAt, KeyPair key)
            throws Exception {
        return ReleaseSigning.sign(ReleaseFactory.fromFile(model.id().name(), version, model.file(), activateAt, 100,
                "edgeinfer-bench", System.currentTimeMillis(), model.metadata()), key);
    }

    private RolloverReport report(OutputRecorder recorder, List<ModelRelease> published, List<double[]> process,
            long expected, long startMs, int devices, long intervalMs, long leadMs) {
        List<LatencySample> samples = recorder.samples();
        ReleaseTimeline timeline = ReleaseTimeline.of(published);
        long misrouted = samples.stream()
                .filter(s -> s.version() != null && !s.version().equals(timeline.resolve(published.get(0).model(),
                        s.eventTimeMs(), s.key()).map(ModelRelease::version).orElse(null)))
                .count();
        List<RolloverReport.Rollover> rollovers = new ArrayList<>();
        for (double[] p : process) {
            ModelRelease r = published.get((int) p[0]);
            BenchMath.Stats around = BenchMath.stats(samples, s -> Math.abs(s.eventTimeMs() - r.activateAt()) <= intervalMs / 2);
            rollovers.add(new RolloverReport.Rollover((int) p[0], r.version(), (r.activateAt() - startMs) / 1e3, p[1], p[2],
                    (int) p[3], around.p99(), around.count()));
        }
        RolloverReport report = new RolloverReport(rollovers,
                RolloverReport.summarize(rollovers, settings.parallelism(), Math.max(0, expected - samples.size()), recorder.duplicates(), misrouted,
                        recorder.perVersion()),
                new RolloverReport.Settings(settings.count(), settings.rate(), intervalMs / 1e3, leadMs / 1e3,
                        settings.parallelism(), settings.batchSize(), devices, settings.seed()),
                BenchReport.Machine.current());
        RolloverReport.Summary s = report.summary();
        out.println();
        out.printf(Locale.ROOT, "EdgeInfer bench summary: %d rollovers under %.0f records/s%n", settings.count(), settings.rate());
        out.printf(Locale.ROOT, "  RSS              %.1f MiB (median of the first fifth) -> %.1f MiB (last fifth): %+.1f%%, limit %.0f%%%n",
                s.baselineRssMb(), s.finalRssMb(), s.rssGrowthPercent(), RolloverReport.MAX_RSS_GROWTH_PERCENT);
        out.printf(Locale.ROOT, "  ONNX sessions    at most %d open in the first half, %d in the second%n",
                s.maxSessionsFirstHalf(), s.maxSessionsSecondHalf());
        out.printf(Locale.ROOT, "  p99 per switch   median %.1f ms, worst %.1f ms%n",
                median(rollovers.stream().mapToDouble(RolloverReport.Rollover::p99AroundSwitchMs).toArray()),
                rollovers.stream().mapToDouble(RolloverReport.Rollover::p99AroundSwitchMs).max().orElse(0));
        out.printf(Locale.ROOT, "  outputs          lost %d, duplicates %d, misrouted %d%n", s.lost(), s.duplicates(), s.misrouted());
        out.println(s.passed() ? "  verdict          PASSED: memory flat and sessions bounded across the rollovers"
                : "  verdict          FAILED: see above");
        return report;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

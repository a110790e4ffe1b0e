package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code edgeinfer bench}: three measurements in one run on one machine, side by side, with the
 * same model, threads and batch settings:
 * <ol>
 *   <li><b>bare ONNX Runtime</b> in a loop ({@link BareOrtBench}): the hardware's limit;
 *   <li><b>pass-through</b> Kafka → Flink (source, parse, sink) → Kafka with no model: the
 *       plumbing's floor, p50/p99 at the requested rate;
 *   <li><b>the pipeline</b>: throughput at saturation and p50/p99 at the requested rate, with a
 *       model rollover (v1 → v2, published with a lead time on the control topic) mid-run.
 * </ol>
 * Each job phase first drains a preloaded backlog (the <em>saturation</em> throughput: outputs
 * between 10% and 90% of the backlog over the time between them; this also warms the JIT up),
 * then runs open-loop at the requested rate (latency from each input's <em>intended</em> send
 * time to its output being readable by a consumer). Everything runs in this JVM: an embedded
 * KRaft broker, a local MiniCluster, the load generator and the reader, as in the demo.
 */
public final class BenchRunner extends ConsoleRun<BenchRunner.Settings> {

    /** Key prefixes: backlog inputs and open-loop inputs never share a key (or a window). */
    static final String BACKLOG_PREFIX = "sat-";
    static final String LOAD_PREFIX = "dev-";
    static final int BACKLOG_DEVICES = 64;
    /** Width of the window around the switch, as in the demo's rollover check. */
    static final long SWITCH_WINDOW_MS = 5_000;

    /** The CLI's settings. */
    public record Settings(
            String scenario,
            double rate,
            Duration duration,
            int parallelism,
            int batchSize,
            Duration batchDelay,
            Integer devices,
            Duration warmup,
            long backlogRecords,
            Duration bareOrtDuration,
            boolean rollover,
            Duration rolloverLead,
            Duration drainTimeout,
            Duration bucket,
            Path workDir,
            long seed,
            Integer modelSize) {

        /** As above, with the scenario's default model size. */
        public Settings(String scenario, double rate, Duration duration, int parallelism, int batchSize, Duration batchDelay,
                Integer devices, Duration warmup, long backlogRecords, Duration bareOrtDuration, boolean rollover,
                Duration rolloverLead, Duration drainTimeout, Duration bucket, Path workDir, long seed) {
            this(scenario, rate, duration, parallelism, batchSize, batchDelay, devices, warmup, backlogRecords, bareOrtDuration,
                    rollover, rolloverLead, drainTimeout, bucket, workDir, seed, null);
        }
    }

    public BenchRunner(Settings settings, PrintStream out) {
        super(settings, out);
    }

    public BenchReport run() throws Exception {
        return run(BenchScenarios.forName(settings.scenario(), settings.modelSize()));
    }

    /** Runs {@code workload} (the scenario the settings name, configured further, e.g. to serve one model file). */
    public BenchReport runWith(BenchScenario<?, ?> workload) throws Exception {
        return run(workload);
    }

    private <IN, P> BenchReport run(BenchScenario<IN, P> scenario) throws Exception {
        int devices = settings.devices() != null ? settings.devices() : scenario.devices(settings.rate());
        if (devices < LoadSchedule.minDevices(settings.rate())) {
            throw new IllegalArgumentException("--devices " + devices + " is too few for " + settings.rate()
                    + " records/s: each device may send at most one record per ms; use at least "
                    + LoadSchedule.minDevices(settings.rate()));
        }
        boolean operatorBatching = true;
        Path workDir = workDir(settings.workDir(), "edgeinfer-bench");
        OnnxRunnerOptions onnx = jobOnnxOptions();
        out.printf(Locale.ROOT, "EdgeInfer bench: scenario %s, %.0f records/s for %d s, parallelism %d, batch %d%s, %d devices, %d cores, Java %s%n",
                scenario.name(), settings.rate(), settings.duration().toSeconds(), settings.parallelism(), settings.batchSize(),
                " (max delay " + settings.batchDelay().toMillis() + " ms)",
                devices, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        out.print("[1/6] starting Kafka (KRaft) ... ");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            out.println(kafka.bootstrapServers());
            BenchScenario.Topics topics = scenario.topics();
            kafka.createTopics(4, topics.pipelineInput(), topics.pipelineOutput(), topics.passthroughInput(), topics.passthroughOutput());
            if (!topics.otherPipelineTopics().isEmpty()) {
                kafka.createTopics(1, topics.otherPipelineTopics().toArray(String[]::new));
            }
            kafka.createTopics(1, Map.of("cleanup.policy", "compact"), topics.control());

            out.println("[2/6] building the models");
            Path modelsDir = Files.createDirectories(workDir.resolve("models"));
            List<BenchScenario.ServedModel> models = scenario.buildModels(modelsDir, out);
            BenchScenario.ServedModel v1 = models.get(0);
            BenchScenario.ServedModel v2 = models.size() > 1 ? models.get(1) : null;

            out.printf(Locale.ROOT, "[3/6] bare ONNX Runtime: %d threads x 1 session, batch %d, %s, %d s (run again after the jobs)%n",
                    settings.parallelism(), settings.batchSize(), v1.id(), settings.bareOrtDuration().toSeconds());
            BareOrtBench.Result bareBefore = bareOrt(scenario, v1, onnx);

            // Releases are signed as in production; the jobs trust only this run's key.
            KeyPair signingKey = ReleaseSigning.generateKeyPair();
            Path publicKey = Files.createDirectories(workDir.resolve("trusted-keys")).resolve("bench-" + System.nanoTime() + ".pub");
            ReleaseSigning.writePublicKey(publicKey, signingKey.getPublic());
            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), topics.control());
            ModelRelease first = ReleaseSigning.sign(ReleaseFactory.fromFile(v1.id().name(), v1.id().version(), v1.file(),
                    0L, 100, "edgeinfer-bench", System.currentTimeMillis(), v1.metadata()), signingKey);
            control.publish(first);

            Path cache = Files.createDirectories(workDir.resolve("model-cache"));
            out.printf(Locale.ROOT, "[4/6] pass-through (source -> parse -> sink, no model): backlog of %,d records, then %.0f records/s for %d s%n",
                    settings.backlogRecords(), settings.rate(), settings.duration().toSeconds());
            Phase pass = runPhase(scenario, kafka, false, devices,
                    new BenchScenario.JobSpec(kafka.bootstrapServers(), settings.parallelism(), settings.batchSize(),
                            settings.batchDelay(), "edgeinfer-bench-passthrough", modelsDir, publicKey, cache),
                    null, null, null);

            out.printf(Locale.ROOT, "[5/6] pipeline (%s): backlog of %,d records, then %.0f records/s for %d s%s%n",
                    v1.id().name(), settings.backlogRecords(), settings.rate(), settings.duration().toSeconds(),
                    settings.rollover() && v2 != null ? ", rollover " + v1.id().version() + " -> " + v2.id().version() + " mid-run" : "");
            Phase pipe = runPhase(scenario, kafka, true, devices,
                    new BenchScenario.JobSpec(kafka.bootstrapServers(), settings.parallelism(), settings.batchSize(),
                            settings.batchDelay(), "edgeinfer-bench-pipeline", modelsDir, publicKey, cache),
                    settings.rollover() ? v2 : null, control, signingKey);

            // A shared machine drifts by tens of percent over a run: the baseline brackets the jobs.
            out.printf(Locale.ROOT, "[6/6] bare ONNX Runtime again, after the jobs, %d s; then the report%n",
                    settings.bareOrtDuration().toSeconds());
            BareOrtBench.Result bareAfter = bareOrt(scenario, v1, onnx);
            BenchReport report = report(scenario, devices, operatorBatching, onnx, bareBefore, bareAfter, pass, pipe, first);
            printSummary(report);
            return report;
        }
    }

    private <IN, P> BareOrtBench.Result bareOrt(BenchScenario<IN, P> scenario, BenchScenario.ServedModel model,
            OnnxRunnerOptions onnx) throws Exception {
        BareOrtBench.Result bare = BareOrtBench.run(scenario, model, onnx, settings.parallelism(), settings.batchSize(),
                Duration.ofSeconds(1), settings.bareOrtDuration(), out);
        out.printf(Locale.ROOT, "      => %,.0f %s/s (per batch of %d: p50 %.1f us, p99 %.1f us)%n",
                bare.throughput(), scenario.unit(), settings.batchSize(), bare.batchMicros().p50(), bare.batchMicros().p99());
        return bare;
    }

    /** What one job phase measured. */
    record Phase(
            double drainRate,
            boolean backlogComplete,
            long backlogRecords,
            List<LatencySample> samples,
            long expectedOutputs,
            long duplicates,
            Map<String, Long> perVersion,
            double maxBehindMs,
            ModelRelease next,
            double publishedAtSeconds,
            double activateAtSeconds) {}

    private <IN, P> Phase runPhase(BenchScenario<IN, P> scenario, EmbeddedKafkaBroker kafka, boolean pipeline, int devices,
            BenchScenario.JobSpec spec, BenchScenario.ServedModel next, ControlTopic control, KeyPair signingKey)
            throws Exception {
        BenchScenario.Topics topics = scenario.topics();
        String in = pipeline ? topics.pipelineInput() : topics.passthroughInput();
        String outTopic = pipeline ? topics.pipelineOutput() : topics.passthroughOutput();
        String label = pipeline ? "pipeline" : "pass-through";

        long perDevice = Math.max(1, (settings.backlogRecords() + BACKLOG_DEVICES - 1) / BACKLOG_DEVICES);
        long backlog = perDevice * BACKLOG_DEVICES;
        long expectedBacklog = scenario.expectedOutputs(perDevice, BACKLOG_DEVICES, pipeline);
        long t0 = System.nanoTime();
        try (LoadGenerator preload = new LoadGenerator(kafka.bootstrapServers(), true)) {
            preload.preload(scenario.newInputs(BACKLOG_PREFIX, BACKLOG_DEVICES, settings.seed() + 1), in, BACKLOG_DEVICES,
                    perDevice, System.currentTimeMillis());
            preload.failOnSendErrors();
        }
        out.printf(Locale.ROOT, "      preloaded %,d records in %.1f s%n", backlog, (System.nanoTime() - t0) / 1e9);

        OutputRecorder recorder = new OutputRecorder(kafka.bootstrapServers(), outTopic,
                pipeline ? scenario::decodePipelineOutput : scenario::decodePassthroughOutput, BACKLOG_PREFIX, LOAD_PREFIX);
        try (recorder) {
            recorder.start();
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(LocalCluster.config(spec.parallelism()));
            if (pipeline) {
                scenario.buildPipeline(env, spec);
            } else {
                scenario.buildPassthrough(env, spec);
            }
            JobClient job = env.executeAsync("edgeinfer-bench-" + scenario.name() + "-" + (pipeline ? "pipeline" : "passthrough"));
            try {
                LocalCluster.waitUntilRunning(job);
                // 1. Saturation: drain the backlog.
                long drainStart = System.nanoTime();
                long deadline = drainStart + settings.drainTimeout().toNanos();
                long lastPrint = drainStart;
                long lastCount = 0;
                while (recorder.backlogOutputs() < expectedBacklog && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    LocalCluster.failIfJobDied(job);
                    long now = System.nanoTime();
                    if (now - lastPrint >= TimeUnit.SECONDS.toNanos(2)) {
                        long count = recorder.backlogOutputs();
                        out.printf(Locale.ROOT, "      %s drain  t=%4.1fs  outputs %,9d/%,d  %,10.0f/s%n", label,
                                (now - drainStart) / 1e9, count, expectedBacklog, (count - lastCount) * 1e9 / (now - lastPrint));
                        lastPrint = now;
                        lastCount = count;
                    }
                }
                long[] backlogSent = recorder.backlogSentNanos();
                boolean complete = backlogSent.length >= expectedBacklog;
                double drainRate = BenchMath.drainRate(backlogSent, expectedBacklog, 0.1, 0.9);
                out.printf(Locale.ROOT, "      %s saturation: %,.0f outputs/s (%,d of %,d outputs in %.1f s%s)%n", label,
                        drainRate, backlogSent.length, expectedBacklog, (System.nanoTime() - drainStart) / 1e9,
                        complete ? "" : ", INCOMPLETE: drain timeout");

                // 2. Open loop at the requested rate.
                LoadSchedule schedule = LoadSchedule.startingNow(settings.rate(), devices);
                recorder.schedule(schedule);
                AtomicBoolean stop = new AtomicBoolean();
                Throwable[] generatorFailure = new Throwable[1];
                try (LoadGenerator load = new LoadGenerator(kafka.bootstrapServers(), false)) {
                    BenchScenario.Inputs inputs = scenario.newInputs(LOAD_PREFIX, devices, settings.seed());
                    Thread generator = new Thread(() -> {
                        try {
                            load.runOpenLoop(inputs, in, schedule, settings.duration(), stop::get);
                        } catch (Throwable e) {
                            generatorFailure[0] = e;
                        }
                    }, "edgeinfer-bench-load");
                    generator.start();
                    long durationMs = settings.duration().toMillis();
                    Duration lead = settings.rolloverLead().compareTo(settings.duration().dividedBy(2)) > 0
                            ? settings.duration().dividedBy(2) : settings.rolloverLead();
                    long activateAtMs = schedule.startEpochMicros() / 1_000 + durationMs / 2;
                    long publishAfterMs = Math.max(0, durationMs / 2 - lead.toMillis());
                    ModelRelease published = null;
                    double publishedAt = 0;
                    long lastProgress = schedule.startNanos();
                    try {
                        while (generator.isAlive()) {
                            generator.join(100);
                            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - schedule.startNanos());
                            if (next != null && published == null && elapsedMs >= publishAfterMs) {
                                published = ReleaseSigning.sign(ReleaseFactory.fromFile(next.id().name(), next.id().version(),
                                        next.file(), activateAtMs, 100, "edgeinfer-bench", System.currentTimeMillis(),
                                        next.metadata()), signingKey);
                                control.publish(published);
                                publishedAt = (System.nanoTime() - schedule.startNanos()) / 1e9;
                                out.printf(Locale.ROOT, "      >> t=%4.1fs published %s %s: activates at event time %s (t=%.1fs)%n",
                                        publishedAt, published.model(), published.version(),
                                        Instant.ofEpochMilli(activateAtMs), durationMs / 2000.0);
                            }
                            if (System.nanoTime() - lastProgress >= TimeUnit.SECONDS.toNanos(2)) {
                                lastProgress = System.nanoTime();
                                LocalCluster.failIfJobDied(job);
                                BenchMath.Stats interval = recorder.takeInterval();
                                out.printf(Locale.ROOT, "      %s t=%4.1fs  sent %,8d  outputs %,8d  p50 %6.2f ms  p99 %7.2f ms  max %7.2f ms%s%n",
                                        label, elapsedMs / 1e3, load.sent(), recorder.loadOutputs(), interval.p50(), interval.p99(),
                                        interval.max(), pipeline ? "  by version " + recorder.perVersion() : "");
                            }
                        }
                    } finally {
                        stop.set(true);
                        generator.join();
                    }
                    if (generatorFailure[0] != null) {
                        throw new IllegalStateException("the load generator failed", generatorFailure[0]);
                    }
                    load.failOnSendErrors();
                    long sent = load.sent();
                    long expected = load.expectedOutputs(scenario, devices, pipeline);
                    long waitUntil = System.nanoTime() + settings.drainTimeout().toNanos();
                    while (recorder.loadOutputs() < expected && System.nanoTime() < waitUntil) {
                        Thread.sleep(50);
                        LocalCluster.failIfJobDied(job);
                    }
                    Thread.sleep(200);
                    if (!recorder.unreadable().isEmpty()) {
                        throw new IllegalStateException("unreadable output: " + recorder.unreadable().get(0));
                    }
                    out.printf(Locale.ROOT, "      %s done: %,d sent, %,d of %,d outputs (generator at worst %.1f ms behind schedule)%n",
                            label, sent, recorder.loadOutputs(), expected, load.maxBehindMs());
                    return new Phase(drainRate, complete, backlog, recorder.samples(), expected, recorder.duplicates(),
                            recorder.perVersion(), load.maxBehindMs(), published, publishedAt,
                            durationMs / 2000.0);
                }
            } finally {
                LocalCluster.cancelQuietly(job);
            }
        }
    }

    private BenchReport report(BenchScenario<?, ?> scenario, int devices, boolean operatorBatching, OnnxRunnerOptions onnx,
            BareOrtBench.Result bareBefore, BareOrtBench.Result bareAfter, Phase pass, Phase pipe, ModelRelease first) {
        BareOrtBench.Result bare = bareBefore.and(bareAfter);
        long warmupMicros = settings.warmup().toNanos() / 1_000;
        BenchMath.Stats passStats = BenchMath.stats(pass.samples(), s -> s.offsetMicros() >= warmupMicros);
        BenchMath.Stats pipeStats = BenchMath.stats(pipe.samples(), s -> s.offsetMicros() >= warmupMicros);

        long misrouted = 0;
        BenchReport.Rollover rollover = null;
        if (pipe.next() != null) {
            ModelRelease next = pipe.next();
            ReleaseTimeline timeline = ReleaseTimeline.of(List.of(first, next));
            for (LatencySample s : pipe.samples()) {
                String expected = timeline.resolve(next.model(), s.eventTimeMs(), s.key()).map(ModelRelease::version).orElse(null);
                if (s.version() != null && !s.version().equals(expected)) {
                    misrouted++;
                }
            }
            long half = SWITCH_WINDOW_MS / 2;
            long publishedMicros = (long) (pipe.publishedAtSeconds() * 1e6);
            BenchMath.Stats window = BenchMath.stats(pipe.samples(), s -> Math.abs(s.eventTimeMs() - next.activateAt()) <= half);
            BenchMath.Stats steady = BenchMath.stats(pipe.samples(),
                    s -> s.offsetMicros() >= warmupMicros && Math.abs(s.eventTimeMs() - next.activateAt()) > half);
            BenchMath.Stats staging = BenchMath.stats(pipe.samples(),
                    s -> s.offsetMicros() >= publishedMicros && s.offsetMicros() < publishedMicros + SWITCH_WINDOW_MS * 1_000);
            rollover = new BenchReport.Rollover(window.p99(), steady.p99(), staging.p99(), first.version(), next.version(),
                    pipe.activateAtSeconds(), Math.round(pipe.publishedAtSeconds() * 100) / 100.0, SWITCH_WINDOW_MS,
                    window.count(), steady.count());
        } else {
            for (LatencySample s : pipe.samples()) {
                if (s.version() != null && !s.version().equals(first.version())) {
                    misrouted++;
                }
            }
        }
        double perInference = scenario.inputsPerInference();
        BenchReport.BareOrt bareOrt = new BenchReport.BareOrt(round(bare.throughput()), bare.inferences(),
                round(bare.seconds()), settings.parallelism(), settings.batchSize(), bare.batchMicros(),
                round(bareBefore.throughput()), round(bareAfter.throughput()));
        BenchReport.Passthrough passthrough = new BenchReport.Passthrough(passStats.p50(), passStats.p99(), passStats.p999(),
                passStats.max(), passStats.count(), round(pass.drainRate()), pass.backlogRecords());
        long seen = pipe.samples().size();
        BenchReport.Pipeline pipeline = new BenchReport.Pipeline(round(pipe.drainRate()), round(pipe.drainRate() * perInference),
                pipeStats.p50(), pipeStats.p99(), pipeStats.p999(), pipeStats.max(), pipeStats.count(), pipe.backlogRecords(),
                pipe.backlogComplete(), pipe.expectedOutputs(), Math.max(0, pipe.expectedOutputs() - seen), pipe.duplicates(),
                misrouted, pipe.perVersion(), round(pipe.maxBehindMs()));
        BenchReport.Ratios ratios = BenchReport.ratios(bareOrt, passthrough, pipeline, rollover);
        long bucketMicros = settings.bucket().toNanos() / 1_000;
        return new BenchReport(
                scenario.name(),
                scenario.unit(),
                bareOrt,
                passthrough,
                pipeline,
                rollover,
                ratios,
                BenchReport.targets(pipeline, ratios, rollover != null, scenario.p99TargetMs()),
                BenchReport.Machine.current(),
                new BenchReport.Settings(settings.rate(), settings.duration().toMillis() / 1e3, settings.parallelism(),
                        settings.batchSize(), settings.batchDelay().toMillis(), operatorBatching, devices,
                        settings.warmup().toMillis() / 1e3, pipe.backlogRecords(), settings.bareOrtDuration().toMillis() / 1e3,
                        settings.rolloverLead().toMillis() / 1e3, rollover != null, perInference,
                        KafkaJobOptions.DeliveryGuarantee.AT_LEAST_ONCE.name(),
                        "intra-op threads " + onnx.intraOpThreads() + ", " + onnx.optLevel(),
                        settings.bucket().toMillis(), settings.seed(),
                        scenario.modelSize(), scenario.inputFormat()),
                List.of(new BenchReport.Series("pipeline", BenchMath.buckets(pipe.samples(), bucketMicros)),
                        new BenchReport.Series("pass-through", BenchMath.buckets(pass.samples(), bucketMicros))));
    }

    private void printSummary(BenchReport r) {
        String unit = r.unit();
        double per = r.settings().inputsPerInference();
        out.println();
        out.printf(Locale.ROOT, "EdgeInfer bench summary: scenario %s, %.0f records/s, %.0f s, parallelism %d, batch %d%n",
                r.scenario(), r.settings().rate(), r.settings().durationSeconds(), r.settings().parallelism(), r.settings().batchSize());
        out.printf(Locale.ROOT, "machine: %d cores, Java %s (%s), %s %s, heap %d MB%n", r.machine().cores(), r.machine().jvm(),
                r.machine().jvmVendor(), r.machine().os(), r.machine().arch(), r.machine().maxHeapMb());
        out.println("-".repeat(104));
        out.printf(Locale.ROOT, "%-38s %14s %14s %9s %9s %9s %9s%n", "measurement", unit + "/s", "records/s", "p50 ms", "p99 ms",
                "p99.9 ms", "max ms");
        out.println("-".repeat(104));
        out.printf(Locale.ROOT, "%-38s %,14.0f %14s %9s %9s %9s %9s%n",
                "bare ONNX Runtime (" + r.bareOrt().threads() + " threads, batch " + r.bareOrt().batchSize() + ")",
                r.bareOrt().throughput(), "(" + String.format(Locale.ROOT, "%,.0f", r.bareOrt().throughput() * per) + ")", "-", "-", "-", "-");
        out.printf(Locale.ROOT, "%-38s %14s %,14.0f %9.2f %9.2f %9.2f %9.2f%n", "pass-through (no model)",
                "-", r.passthrough().throughput(), r.passthrough().p50(), r.passthrough().p99(), r.passthrough().p999(),
                r.passthrough().max());
        out.printf(Locale.ROOT, "%-38s %,14.0f %,14.0f %9.2f %9.2f %9.2f %9.2f%n", "pipeline", r.pipeline().throughput(),
                r.pipeline().inputThroughput(), r.pipeline().p50(), r.pipeline().p99(), r.pipeline().p999(), r.pipeline().max());
        if (r.rollover() != null) {
            out.printf(Locale.ROOT, "%-38s %14s %14s %9s %9.2f%n", "  rollover window (switch +-" + r.rollover().windowMs() / 2000.0 + " s)",
                    "", "", "", r.rollover().p99Window());
            out.printf(Locale.ROOT, "%-38s %14s %14s %9s %9.2f%n", "  steady (outside the window)", "", "", "", r.rollover().p99Steady());
            out.printf(Locale.ROOT, "%-38s %14s %14s %9s %9.2f%n", "  while v2 stages (5 s after publish)", "", "", "", r.rollover().p99Staging());
        }
        out.println("-".repeat(104));
        BenchReport.Ratios q = r.ratios();
        BenchReport.Targets t = r.targets();
        out.printf(Locale.ROOT, "  pipeline / bare ORT throughput     %8.4f   (%s/s; throughput = drain rate of a %,d-record backlog, 10%%-90%%)%n",
                q.throughputVsBareOrt(), unit, r.pipeline().backlogRecords());
        out.printf(Locale.ROOT, "  bare ORT before / after the jobs   %,8.0f / %,.0f %s/s (the ratio's baseline is both runs together)%n",
                r.bareOrt().throughputBefore(), r.bareOrt().throughputAfter(), unit);
        out.printf(Locale.ROOT, "  pipeline / pass-through p99        %8.2f   target <= %.1f: %s%n", q.p99VsPassthrough(),
                t.p99VsPassthroughLimit(), t.p99VsPassthroughMet() ? "met" : "MISSED");
        out.printf(Locale.ROOT, "  pipeline p99                       %8.2f ms target <= %.0f ms: %s%n", r.pipeline().p99(), t.p99LimitMs(),
                t.p99Met() ? "met" : "MISSED");
        if (r.rollover() != null) {
            out.printf(Locale.ROOT, "  rollover window p99 / steady p99   %8.2f   target <= %.1f: %s  (%s -> %s, misrouted %d)%n",
                    q.rolloverP99(), t.rolloverP99Limit(), t.rolloverP99Met() ? "met" : "MISSED", r.rollover().fromVersion(),
                    r.rollover().toVersion(), r.pipeline().misrouted());
        }
        out.printf(Locale.ROOT, "  pipeline outputs %,d of %,d expected (lost %d, duplicates %d); all outputs by version, backlog included: %s%n",
                r.pipeline().expectedOutputs() - r.pipeline().lost(), r.pipeline().expectedOutputs(), r.pipeline().lost(), r.pipeline().duplicates(),
                r.pipeline().perVersion());
    }


    /** The ONNX Runtime options the job runs with by default (so bare ORT uses the same). */
    static OnnxRunnerOptions jobOnnxOptions() {
        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        return SensorJobConfig.from(conf).onnx();
    }

    private static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }
}

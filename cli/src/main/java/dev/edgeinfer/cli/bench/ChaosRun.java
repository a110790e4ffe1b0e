package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.cli.demo.SensorDemo;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;
import dev.edgeinfer.simulation.releases.BadReleases;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator.MalformedKind;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code edgeinfer bench --scenario chaos}: the sensor pipeline under sustained open-loop load
 * while things go wrong, as they do at a site. On a MiniCluster of two TaskManagers (one slot each,
 * so each runs part of the job) it, in this order: sends one bad reading of every
 * {@link MalformedKind} every 250 ms throughout; publishes every bad control record
 * {@link BadReleases} offers; floods the control topic with malformed records; and kills a
 * TaskManager mid-run (a replacement joins a second later, the job fails over and resumes from its
 * last checkpoint). Then it checks that every window was scored (none lost), by the version the
 * release timeline assigns (none misrouted), and that every fault was answered: the failover seen
 * by Flink, every bad release and flood record rejected with its reason on the status topic, every
 * bad reading dead-lettered. See {@link ChaosReport} for what it reports.
 */
public final class ChaosRun extends ConsoleRun<ChaosRun.Settings> {

    static final String LOAD_PREFIX = BenchRunner.LOAD_PREFIX;
    static final String BAD_READING_PREFIX = "bad-";
    static final String FLOOD_KEY = "@flood-";
    static final int TASK_MANAGERS = 2;

    /**
     * The CLI's settings.
     *
     * @param warmup start of the load left out of the latency (job start-up, JIT)
     * @param controlFlood malformed control records in the flood
     */
    public record Settings(double rate, Duration duration, int parallelism, Integer devices, Duration warmup,
            Duration drainTimeout, Path workDir, long seed, int controlFlood, Duration checkpointInterval) {}

    public ChaosRun(Settings settings, PrintStream out) {
        super(settings, out);
    }

    public ChaosReport run() throws Exception {
        SensorBenchScenario scenario = new SensorBenchScenario();
        int devices = settings.devices() != null ? settings.devices() : scenario.devices(settings.rate());
        Path workDir = workDir(settings.workDir(), "edgeinfer-chaos");
        long durationMs = settings.duration().toMillis();
        out.printf(Locale.ROOT, "EdgeInfer chaos: %.0f readings/s for %d s, %d devices, parallelism %d on %d TaskManagers, "
                        + "%d cores, Java %s%n", settings.rate(), settings.duration().toSeconds(), devices,
                settings.parallelism(), TASK_MANAGERS, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        out.print("[1/5] starting Kafka (KRaft) ... ");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            out.println(kafka.bootstrapServers());
            BenchScenario.Topics topics = scenario.topics();
            kafka.createTopics(4, topics.pipelineInput(), topics.pipelineOutput());
            kafka.createTopics(1, topics.otherPipelineTopics().toArray(String[]::new));
            kafka.createTopics(1, Map.of("cleanup.policy", "compact"), topics.control());
            String deadLetters = topics.otherPipelineTopics().get(0);
            String status = topics.otherPipelineTopics().get(1);
            String blobs = topics.otherPipelineTopics().get(2);

            out.println("[2/5] building the models");
            Path modelsDir = Files.createDirectories(workDir.resolve("models"));
            BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), modelsDir);
            BuiltModel v2 = SensorModelFactory.build(SensorModelSpec.v2(), modelsDir);
            KeyPair signingKey = ReleaseSigning.generateKeyPair();
            Path publicKey = Files.createDirectories(workDir.resolve("trusted-keys")).resolve("chaos-" + System.nanoTime() + ".pub");
            ReleaseSigning.writePublicKey(publicKey, signingKey.getPublic());
            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), topics.control());
            ModelRelease first = ReleaseSigning.sign(ReleaseFactory.fromFile(v1.id().name(), v1.id().version(), v1.file(),
                    0L, 100, "edgeinfer-chaos", System.currentTimeMillis()), signingKey);
            control.publish(first);

            out.printf("[3/5] starting the sensor job on %d TaskManagers%n", TASK_MANAGERS);
            BenchScenario.JobSpec spec = new BenchScenario.JobSpec(kafka.bootstrapServers(), settings.parallelism(),
                    SensorBenchScenario.defaultBatchSize(), SensorBenchScenario.defaultBatchDelay(), "edgeinfer-chaos",
                    modelsDir, publicKey, Files.createDirectories(workDir.resolve("model-cache")));
            try (MiniCluster cluster = startCluster();
                    OutputRecorder recorder = new OutputRecorder(kafka.bootstrapServers(), topics.pipelineOutput(),
                            scenario::decodePipelineOutput, BenchRunner.BACKLOG_PREFIX, LOAD_PREFIX);
                    ChaosObserver observer = new ChaosObserver(kafka.bootstrapServers(), status, deadLetters)) {
                recorder.start();
                observer.start();
                JobID job = submit(cluster, scenario, spec);
                prime(kafka, scenario, recorder, cluster, job);

                out.printf(Locale.ROOT, "[4/5] load: %.0f readings/s for %d s, with faults%n", settings.rate(),
                        settings.duration().toSeconds());
                LoadSchedule schedule = LoadSchedule.startingNow(settings.rate(), devices);
                recorder.schedule(schedule);
                Faults faults = new Faults();
                AtomicBoolean stop = new AtomicBoolean();
                Throwable[] failure = new Throwable[1];
                try (LoadGenerator load = new LoadGenerator(kafka.bootstrapServers(), false);
                        KafkaProducer<byte[], byte[]> raw = KafkaClients.producer(kafka.bootstrapServers(),
                                "edgeinfer-chaos-faults", Map.of())) {
                    Thread generator = new Thread(() -> {
                        try {
                            load.runOpenLoop(scenario.newInputs(LOAD_PREFIX, devices, settings.seed()), topics.pipelineInput(),
                                    schedule, settings.duration(), stop::get);
                        } catch (Throwable e) {
                            failure[0] = e;
                        }
                    }, "edgeinfer-chaos-load");
                    generator.start();
                    long nextBadReading = 0;
                    long lastProgress = System.nanoTime();
                    try {
                        while (generator.isAlive()) {
                            generator.join(50);
                            long t = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - schedule.startNanos());
                            if (t >= nextBadReading) {
                                faults.sendBadReading(raw, topics.pipelineInput());
                                nextBadReading = t + 250;
                            }
                            if (faults.badReleases == null && t >= durationMs / 5) {
                                faults.badReleases = BadReleases.prepare(v2, modelsDir, signingKey,
                                        System.currentTimeMillis() + 10_000, kafka.bootstrapServers(), blobs);
                                SensorDemo.publishBad(control, faults.badReleases, kafka.bootstrapServers(), topics.control());
                                out.printf(Locale.ROOT, "      >> t=%5.1fs published %d bad releases%n", t / 1e3,
                                        faults.badReleases.size());
                            }
                            if (faults.floodKeys.isEmpty() && t >= durationMs * 3 / 10) {
                                faults.flood(raw, topics.control(), v1.id().name(), settings.controlFlood());
                                out.printf(Locale.ROOT, "      >> t=%5.1fs flooded the control topic with %d malformed records%n",
                                        t / 1e3, settings.controlFlood());
                            }
                            if (faults.killedAtMs < 0 && t >= durationMs * 9 / 20) {
                                faults.killedAtMs = System.currentTimeMillis();
                                cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
                                out.printf(Locale.ROOT, "      >> t=%5.1fs killed TaskManager 0%n", t / 1e3);
                                Thread.sleep(1_000);
                                cluster.startTaskManager();
                            }
                            if (System.nanoTime() - lastProgress >= TimeUnit.SECONDS.toNanos(5)) {
                                lastProgress = System.nanoTime();
                                BenchMath.Stats interval = recorder.takeInterval();
                                out.printf(Locale.ROOT, "      t=%5.1fs  sent %,8d  results %,8d  dead letters %,6d  p99 %8.2f ms  "
                                                + "longest heartbeat gap %,d ms%n", t / 1e3, load.sent(), recorder.loadOutputs(),
                                        observer.deadLetters(), interval.p99(), observer.longestHeartbeatGapMs());
                            }
                        }
                    } finally {
                        stop.set(true);
                        generator.join();
                    }
                    if (failure[0] != null) {
                        throw new IllegalStateException("the load generator failed", failure[0]);
                    }
                    load.failOnSendErrors();
                    long sent = load.sent();
                    long expected = load.expectedOutputs(scenario, devices, true);
                    out.printf(Locale.ROOT, "[5/5] load done (%,d readings); waiting up to %d s for the last results and verdicts%n",
                            sent, settings.drainTimeout().toSeconds());
                    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
                    while (System.nanoTime() < deadline
                            && (recorder.loadOutputs() < expected || !faults.allAnswered(observer))) {
                        Thread.sleep(200);
                        failIfJobDied(cluster, job);
                    }
                    Thread.sleep(500); // late duplicates, if any, are counted too
                    boolean failedOver = cluster.getExecutionGraph(job).get(30, TimeUnit.SECONDS).getFailureInfo() != null;
                    ChaosReport report = report(recorder, observer, faults, schedule, first, sent, expected, devices,
                            failedOver);
                    cluster.cancelJob(job).get(30, TimeUnit.SECONDS);
                    printSummary(report);
                    return report;
                }
            }
        }
    }

    /** Two TaskManagers of {@code ceil(parallelism / 2)} slots, restarts after a failure, REST on a free port. */
    private MiniCluster startCluster() throws Exception {
        int slots = (settings.parallelism() + TASK_MANAGERS - 1) / TASK_MANAGERS;
        Configuration conf = LocalCluster.config(slots);
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(TASK_MANAGERS)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        return cluster;
    }

    private JobID submit(MiniCluster cluster, SensorBenchScenario scenario, BenchScenario.JobSpec spec) throws Exception {
        Configuration conf = scenario.jobs().configuration(spec, scenario.topics().pipelineInput(),
                scenario.topics().pipelineOutput());
        scenario.configureJob(conf);
        conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, settings.checkpointInterval());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(new Configuration());
        scenario.jobs().build(env, conf, true);
        JobID job = cluster.submitJob(env.getStreamGraph().getJobGraph()).get(60, TimeUnit.SECONDS).getJobID();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cluster.getJobStatus(job).get(10, TimeUnit.SECONDS) != JobStatus.RUNNING) {
            failIfJobDied(cluster, job);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the chaos job did not reach RUNNING within 60 s");
            }
            Thread.sleep(100);
        }
        return job;
    }

    /**
     * Waits until the job scores end to end (sources assigned, v1 staged on every subtask) before the
     * load starts: a few priming readings on keys of their own, the recorder's backlog keys, are
     * scored first, so the start-up is not measured as latency.
     */
    private void prime(EmbeddedKafkaBroker kafka, SensorBenchScenario scenario, OutputRecorder recorder, MiniCluster cluster,
            JobID job) throws Exception {
        int keys = 8;
        long perKey = SensorModelSpec.DEFAULT_WINDOW_SIZE;
        try (LoadGenerator priming = new LoadGenerator(kafka.bootstrapServers(), true)) {
            priming.preload(scenario.newInputs(BenchRunner.BACKLOG_PREFIX, keys, settings.seed() + 1),
                    scenario.topics().pipelineInput(), keys, perKey, System.currentTimeMillis());
            priming.failOnSendErrors();
        }
        long expected = scenario.expectedOutputs(perKey, keys, true);
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (recorder.backlogOutputs() < expected && System.nanoTime() < deadline) {
            failIfJobDied(cluster, job);
            Thread.sleep(100);
        }
        out.printf(Locale.ROOT, "      the job scores: %d of %d priming windows%n", recorder.backlogOutputs(), expected);
    }

    private static void failIfJobDied(MiniCluster cluster, JobID job) throws Exception {
        JobStatus status = cluster.getJobStatus(job).get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            throw new IllegalStateException("the chaos job stopped: " + status + ": "
                    + cluster.requestJobResult(job).get(10, TimeUnit.SECONDS).getSerializedThrowable());
        }
    }

    /** The faults injected so far, and how each is recognised once answered. */
    private final class Faults {
        final Map<MalformedKind, List<String>> badReadings = new EnumMap<>(MalformedKind.class);
        List<BadReleases.BadRelease> badReleases;
        final List<String> floodKeys = new ArrayList<>();
        long killedAtMs = -1;
        private long badReadingCount;

        /** One bad reading of the next kind, under a key of its own (so its dead letter is recognised). */
        void sendBadReading(KafkaProducer<byte[], byte[]> raw, String topic) throws Exception {
            MalformedKind kind = MalformedKind.values()[(int) (badReadingCount % MalformedKind.values().length)];
            String key = BAD_READING_PREFIX + kind.name().toLowerCase(Locale.ROOT) + "-" + badReadingCount++;
            byte[] value = SensorFleetSimulator.malformedValue(kind, key, System.currentTimeMillis(),
                    SensorModelSpec.DEFAULT_CHANNELS);
            raw.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
            badReadings.computeIfAbsent(kind, k -> new ArrayList<>()).add(key);
        }

        /** {@code count} control records that are not releases: truncated JSON and bytes that are not JSON. */
        void flood(KafkaProducer<byte[], byte[]> raw, String topic, String model, int count) throws Exception {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = model + FLOOD_KEY + i;
                byte[] value = i % 2 == 0
                        ? ("{\"schema\":1,\"type\":\"release\",\"model\":\"" + model + "\",\"version\":").getBytes(StandardCharsets.UTF_8)
                        : ("\u0000\u0001 not json " + i).getBytes(StandardCharsets.UTF_8);
                acks.add(raw.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)));
                floodKeys.add(key);
            }
            for (var ack : acks) {
                ack.get();
            }
        }

        boolean allAnswered(ChaosObserver observer) {
            boolean readings = badReadings.values().stream().flatMap(List::stream).allMatch(observer::deadLettered);
            boolean releases = badReleases == null
                    || badReleases.stream().allMatch(b -> !observer.rejectionsOf(b.id()).isEmpty());
            boolean flood = floodKeys.stream().allMatch(k -> !observer.rejectionsOf(k).isEmpty());
            return readings && releases && flood;
        }
    }

    private ChaosReport report(OutputRecorder recorder, ChaosObserver observer, Faults faults, LoadSchedule schedule,
            ModelRelease first, long sent, long expected, int devices, boolean failedOver) {
        List<ChaosReport.Fault> list = new ArrayList<>();
        list.add(new ChaosReport.Fault("taskmanager-kill", 1, failedOver ? 1 : 0, failedOver,
                failedOver ? "the job failed over and resumed from its last checkpoint" : "Flink saw no failure"));
        for (BadReleases.BadRelease b : faults.badReleases == null ? List.<BadReleases.BadRelease>of() : faults.badReleases) {
            var reasons = observer.rejectionsOf(b.id());
            list.add(new ChaosReport.Fault("bad-release:" + b.expectedReason(), 1, reasons.isEmpty() ? 0 : 1,
                    reasons.contains(b.expectedReason()), b.kind() + ": rejected with " + reasons));
        }
        long floodAnswered = faults.floodKeys.stream().filter(k -> !observer.rejectionsOf(k).isEmpty()).count();
        list.add(new ChaosReport.Fault("control-flood", faults.floodKeys.size(), floodAnswered,
                floodAnswered == faults.floodKeys.size(), "malformed control records rejected on the status topic"));
        for (MalformedKind kind : MalformedKind.values()) {
            List<String> keys = faults.badReadings.getOrDefault(kind, List.of());
            long answered = keys.stream().filter(observer::deadLettered).count();
            list.add(new ChaosReport.Fault("bad-reading:" + kind, keys.size(), answered,
                    !keys.isEmpty() && answered == keys.size(), "dead-lettered"));
        }

        List<LatencySample> samples = recorder.samples();
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(first));
        long misrouted = samples.stream().filter(s -> s.version() != null && !s.version().equals(
                timeline.resolve(first.model(), s.eventTimeMs(), s.key()).map(ModelRelease::version).orElse(null))).count();
        long startMs = schedule.startEpochMicros() / 1_000;
        long recoveredMs = faults.killedAtMs < 0 ? -1 : observer.firstHeartbeatAfter(faults.killedAtMs + 1_000);
        // Records that waited for the failover: sent from the last checkpoint before the kill (a replay starts
        // there) until heartbeats resumed, plus 2 s for the backlog of the outage to drain.
        long excludeFrom = faults.killedAtMs - settings.checkpointInterval().toMillis() - 1_000 - startMs;
        long excludeUntil = (recoveredMs < 0 ? Long.MAX_VALUE / 2_000 : recoveredMs + 2_000) - startMs;
        long warmupMicros = settings.warmup().toNanos() / 1_000;
        BenchMath.Stats steady = BenchMath.stats(samples, s -> s.offsetMicros() >= warmupMicros
                && (s.offsetMicros() < excludeFrom * 1_000 || s.offsetMicros() > excludeUntil * 1_000));
        // A window whose end is not the reading its index names: a device's count windows shifted (state lost or
        // readings counted twice), windows that should not exist.
        long misaligned = samples.stream()
                .filter(s -> Math.floorDiv(schedule.startEpochMicros() + s.offsetMicros(), 1_000) != s.eventTimeMs())
                .count();
        long lost = Math.max(0, expected - (samples.size() - misaligned));
        boolean passed = lost == 0 && misrouted == 0 && misaligned == 0
                && list.stream().allMatch(ChaosReport.Fault::counted);
        return new ChaosReport("chaos", sent, expected, samples.size(), lost, recorder.duplicates(), misaligned, misrouted,
                recorder.perVersion(), observer.deadLetterReasons(), observer.rejectionReasons(), list,
                observer.longestHeartbeatGapMs(),
                new ChaosReport.Latency(steady.p50(), steady.p99(), steady.max(), steady.count(), samples.size() - steady.count()),
                new ChaosReport.Failover(seconds(faults.killedAtMs - startMs), recoveredMs < 0 ? -1 : seconds(recoveredMs - startMs),
                        seconds(excludeFrom), recoveredMs < 0 ? -1 : seconds(excludeUntil)),
                BenchReport.Machine.current(),
                new ChaosReport.Settings(settings.rate(), settings.duration().toMillis() / 1e3, settings.parallelism(), devices,
                        TASK_MANAGERS, KafkaJobOptions.DeliveryGuarantee.AT_LEAST_ONCE.name(), settings.warmup().toMillis() / 1e3,
                        settings.checkpointInterval().toMillis(), settings.controlFlood(), settings.seed()),
                passed);
    }

    private static double seconds(long ms) {
        return Math.round(ms / 100.0) / 10.0;
    }

    private void printSummary(ChaosReport r) {
        out.println();
        out.printf(Locale.ROOT, "EdgeInfer chaos summary: %.0f readings/s, %.0f s, parallelism %d, %d cores%n",
                r.settings().rate(), r.settings().durationSeconds(), r.settings().parallelism(), r.machine().cores());
        out.println("-".repeat(100));
        out.printf(Locale.ROOT, "  inputs %,d  windows expected %,d  scored %,d  lost %d  duplicates %d  misaligned %d  misrouted %d"
                        + "  by version %s%n", r.inputs(), r.expectedResults(), r.results(), r.lost(), r.duplicates(),
                r.misaligned(), r.misrouted(), r.perVersion());
        out.printf(Locale.ROOT, "  dead letters by reason %s%n  release verdicts by reason %s%n", r.deadLettersByReason(),
                r.releaseRejectionsByReason());
        out.printf(Locale.ROOT, "  TaskManager killed at t=%.1fs, heartbeats resumed at t=%.1fs; longest heartbeat gap %,d ms%n",
                r.failover().killedAt(), r.failover().recoveredAt(), r.longestHeartbeatGapMs());
        out.printf(Locale.ROOT, "  latency of %,d records not waiting for the failover: p50 %.2f ms  p99 %.2f ms  max %.2f ms "
                        + "(%,d sent around the failover or in the warm-up left out)%n", r.latencyMs().count(), r.latencyMs().p50(),
                r.latencyMs().p99(), r.latencyMs().max(), r.latencyMs().excluded());
        out.println("  faults:");
        for (ChaosReport.Fault f : r.faults()) {
            out.printf(Locale.ROOT, "    %-36s injected %5d  observed %5d  %s  %s%n", f.kind(), f.injected(), f.observed(),
                    f.counted() ? "counted" : "NOT COUNTED", f.detail());
        }
        out.println("-".repeat(100));
        out.println(r.passed() ? "  PASSED: nothing lost, misaligned or misrouted, every fault counted"
                : "  FAILED: lost, misaligned or misrouted windows, or an uncounted fault (see above)");
    }
}

package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;
import dev.edgeinfer.simulation.releases.BadReleases;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import org.HdrHistogram.Histogram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The self-contained demo: a real KRaft broker, a local Flink MiniCluster, models built on the
 * spot, a simulated sensor fleet with injected anomalies and malformed records, a model rollover
 * from v1 to v2 published mid-run through the control topic, live progress, and a summary (plus
 * a JSON report) that counts every input and output and checks every result's version against
 * the release timeline.
 */
public final class SensorDemo extends ConsoleRun<SensorDemo.Settings> {

    /** Demo settings (the CLI's flags). */
    public record Settings(
            Duration duration,
            int parallelism,
            int devices,
            double ratePerSecond,
            double malformedFraction,
            double anomalyRate,
            long seed,
            KafkaJobOptions.DeliveryGuarantee deliveryGuarantee,
            Duration drainTimeout,
            Path workDir,
            boolean rollover,
            Duration rolloverLead,
            boolean badReleases) {}

    public SensorDemo(Settings settings, PrintStream out) {
        super(settings, out);
    }

    /** Runs the demo end to end and returns its report. */
    public SensorDemoReport run() throws Exception {
        long started = System.nanoTime();
        Path workDir = workDir(settings.workDir(), "edgeinfer-demo");
        out.printf("EdgeInfer demo: %s, parallelism %d, %d devices at %.0f readings/s, %s%s%s%n",
                DemoSupport.human(settings.duration()), settings.parallelism(), settings.devices(),
                settings.ratePerSecond(), settings.deliveryGuarantee(), settings.rollover() ? ", rollover v1 -> v2" : "",
                settings.badReleases() ? ", bad releases" : "");

        try (EmbeddedKafkaBroker kafka = DemoSupport.startKafka(out)) {
            Configuration jobConf = DemoSupport.jobOnBroker(
                    kafka, SensorJobOptions.READINGS_TOPIC, SensorJobOptions.RESULTS_TOPIC, SensorJobOptions.DEADLETTER_TOPIC);

            out.println("[2/5] building the sensor anomaly models (Tribuo logistic regression -> ONNX)");
            BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), workDir.resolve("models"));
            BuiltModel v2 = SensorModelFactory.build(SensorModelSpec.v2(), workDir.resolve("models"));
            for (BuiltModel m : List.of(v1, v2)) {
                out.printf(Locale.ROOT, "      %s  held-out precision %.2f recall %.2f%n",
                        m.id(), m.heldOutPrecision(), m.heldOutRecall());
            }

            // Releases are signed; the job trusts only this demo's public key.
            DemoSupport.SigningKey key = DemoSupport.signingKey(workDir);
            KeyPair signingKey = key.pair();
            jobConf.set(KafkaJobOptions.TRUSTED_KEYS, key.publicKeyFile().toString());
            jobConf.set(KafkaJobOptions.MODELS_ROOT, v1.file().getParent().toString());

            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), jobConf.get(KafkaJobOptions.CONTROL_TOPIC));
            List<ModelRelease> published = new ArrayList<>();
            ModelRelease first = ReleaseSigning.sign(ReleaseFactory.fromFile(v1.id().name(), v1.id().version(), v1.file(), 0L, 100,
                    "edgeinfer-demo", System.currentTimeMillis()), signingKey);
            control.publish(first);
            published.add(first);
            out.printf("[3/5] published %s %s (signed by key %s), active from the beginning of time%n",
                    first.model(), first.version(), first.signedBy());

            jobConf.set(SensorJobOptions.MODEL_NAME, v1.id().name());
            jobConf.set(KafkaJobOptions.PARALLELISM, settings.parallelism());
            jobConf.set(KafkaJobOptions.DELIVERY_GUARANTEE, settings.deliveryGuarantee());
            jobConf.set(SensorJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
            jobConf.set(SensorJobOptions.CHANNELS, v1.channels());
            jobConf.set(SensorJobOptions.WINDOW_SIZE, v1.windowSize());
            jobConf.set(KafkaJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
            SensorJobConfig config = SensorJobConfig.from(jobConf);

            out.print("[4/5] starting the Flink job on a local MiniCluster ... ");
            JobClient job = LocalCluster.startJob(settings.parallelism(), env -> SensorAnomalyJob.build(env, config), SensorAnomalyJob.JOB_NAME);
            out.println("running (job " + job.getJobID() + ")");

            // When v2 is published: the same lead and moment for every demo, see DemoSupport.
            Duration lead = DemoSupport.rolloverLead(settings.duration(), settings.rolloverLead());
            long publishAfterMs = DemoSupport.publishAfterMs(settings.duration(), lead);
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
                    SensorResultTracker tracker =
                            new SensorResultTracker(
                                    kafka.bootstrapServers(),
                                    config.resultsTopic(),
                                    config.deadLetterTopic(),
                                    config.statusTopic(),
                                    (device, index) ->
                                            simulator.windowIsAnomalous(device, index, config.windowSize(), config.windowSlide()))) {
                tracker.start();
                simulator.warmUp(config.warmupMaxTime());
                DemoSupport.awaitServing(tracker, first, settings.parallelism(), job, Duration.ofSeconds(60), out);
                out.printf("[5/5] producing for %s; progress every 2 s%n", DemoSupport.human(settings.duration()));
                DemoSupport.Production producer = DemoSupport.Production.start("edgeinfer-simulator", () -> simulator.run(settings.duration(), () -> false));
                ModelRelease next = null;
                List<BadReleases.BadRelease> bad = List.of();
                long badAfterMs = settings.duration().toMillis() / 4;
                int statusesShown = 0;
                while (producer.isAlive()) {
                    if (settings.badReleases() && bad.isEmpty()
                            && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - producer.startNanos()) >= Math.min(badAfterMs, publishAfterMs)) {
                        bad = BadReleases.prepare(v2, v1.file().getParent(), signingKey, System.currentTimeMillis() + lead.toMillis(),
                                kafka.bootstrapServers(), config.blobsTopic());
                        publishBad(control, bad, kafka.bootstrapServers(), config.controlTopic());
                        out.printf("      >> published %d bad releases (%s)%n", bad.size(),
                                bad.stream().map(BadReleases.BadRelease::expectedReason).distinct().collect(Collectors.joining(", ")));
                        continue;
                    }
                    producer.join(Math.min(2000, Math.max(1, remainingUntil(producer.startNanos(), publishAfterMs, next))));
                    if (settings.rollover() && next == null
                            && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - producer.startNanos()) >= publishAfterMs) {
                        long activateAt = System.currentTimeMillis() + lead.toMillis();
                        next = ReleaseSigning.sign(ReleaseFactory.fromFile(v2.id().name(), v2.id().version(), v2.file(),
                                activateAt, 100, "edgeinfer-demo", System.currentTimeMillis()), signingKey);
                        control.publish(next);
                        published.add(next);
                        out.printf("      >> published %s %s (sha256 %s...): activates at event time %s, in %d s%n",
                                next.model(), next.version(), next.sha256().substring(0, 12),
                                Instant.ofEpochMilli(activateAt), lead.toSeconds());
                        continue;
                    }
                    statusesShown = printStatuses(tracker, statusesShown);
                    printProgress(simulator, tracker, config, producer.startNanos());
                    LocalCluster.failIfJobDied(job);
                }
                long expected = simulator.expectedWindows(config.windowSize(), config.windowSlide());
                out.printf("      producing done; waiting up to %s for the last results ...%n", DemoSupport.human(settings.drainTimeout()));
                long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
                while (System.nanoTime() < deadline
                        && (tracker.distinctResults() < expected || tracker.deadLettered() < simulator.malformedInjected())) {
                    Thread.sleep(100);
                    LocalCluster.failIfJobDied(job);
                }
                // A short grace period so late duplicates, if any, are counted too.
                Thread.sleep(300);
                statusesShown = printStatuses(tracker, statusesShown);
                job.cancel().get(30, TimeUnit.SECONDS);

                if (simulator.sendErrors() > 0) {
                    throw new IllegalStateException(
                            simulator.sendErrors() + " readings could not be written to Kafka", simulator.firstSendError());
                }
                if (!tracker.unreadable().isEmpty()) {
                    throw new IllegalStateException("unreadable output: " + tracker.unreadable().get(0));
                }
                DemoReport.LatencyMs[] latency = DemoSupport.latencySplit(tracker, producer.startWallMs());
                SensorDemoReport report =
                        new SensorDemoReport(
                                simulator.sent(),
                                simulator.validReadings(),
                                expected,
                                tracker.results(),
                                tracker.duplicates(),
                                Math.max(0, expected - tracker.distinctResults()),
                                tracker.deadLettered(),
                                simulator.malformedInjected(),
                                tracker.perVersion(),
                                SensorDemoReport.Anomaly.of(tracker.quality()),
                                tracker.qualityPerVersion().entrySet().stream()
                                        .collect(Collectors.toMap(Map.Entry::getKey, e -> SensorDemoReport.Anomaly.of(e.getValue()),
                                                (a, b) -> a, TreeMap::new)),
                                latency[0],
                                latency[1],
                                latency[2],
                                tracker.deadLetterReasons(),
                                next == null ? null
                                        : DemoSupport.rollover(ReleaseTimeline.of(published), first, next, tracker.samples(),
                                                producer.startWallMs(), lead),
                                settings.badReleases() ? badReleaseSummary(bad, tracker.statuses()) : null,
                                DemoSupport.statusCounts(tracker.statuses()),
                                new SensorDemoReport.Run(
                                        DemoReport.round((System.nanoTime() - started) / 1e9),
                                        settings.parallelism(),
                                        settings.devices(),
                                        settings.ratePerSecond(),
                                        settings.deliveryGuarantee().name(),
                                        v1.id().toString() + (next == null ? "" : " -> " + v2.id()),
                                        Runtime.getRuntime().availableProcessors(),
                                        System.getProperty("java.version")));
                printSummary(report, v1);
                return report;
            }
        }
    }

    private static long remainingUntil(long startNanos, long afterMs, ModelRelease alreadyPublished) {
        if (alreadyPublished != null) {
            return 2000;
        }
        return afterMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Publishes every bad control record: releases through {@code control}, the rest as raw records on {@code topic}. */
    public static void publishBad(ControlTopic control, List<BadReleases.BadRelease> bad, String bootstrap, String topic)
            throws Exception {
        // Kafka's own 5 ms linger, as before the shared client factory; each send is awaited anyway.
        try (KafkaProducer<byte[], byte[]> raw = KafkaClients.producer(
                bootstrap, "edgeinfer-demo-bad-releases", Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            for (BadReleases.BadRelease b : bad) {
                if (b.release() != null) {
                    control.publish(b.release());
                } else {
                    raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            topic, b.id().getBytes(java.nio.charset.StandardCharsets.UTF_8), b.rawValue())).get();
                }
            }
        }
    }

    static SensorDemoReport.BadReleaseSummary badReleaseSummary(List<BadReleases.BadRelease> bad, List<ModelStatus> statuses) {
        Map<String, Long> reasons = new TreeMap<>();
        Map<String, String> unexpected = new TreeMap<>();
        long rejected = 0;
        for (BadReleases.BadRelease b : bad) {
            java.util.Optional<ModelStatus> verdict = statuses.stream()
                    .filter(s -> s.state() == ModelStatus.State.REJECTED && b.id().equals(s.releaseId()))
                    .findFirst();
            if (verdict.isPresent()) {
                rejected++;
                reasons.merge(verdict.get().reason(), 1L, Long::sum);
                if (!b.expectedReason().equals(verdict.get().reason())) {
                    unexpected.put(b.kind(), "expected " + b.expectedReason() + ", got " + verdict.get().reason());
                }
            }
        }
        return new SensorDemoReport.BadReleaseSummary(bad.size(), rejected, reasons, unexpected);
    }

    private int printStatuses(SensorResultTracker tracker, int alreadyShown) {
        List<ModelStatus> statuses = tracker.statuses();
        for (int i = alreadyShown; i < statuses.size(); i++) {
            ModelStatus s = statuses.get(i);
            if (s.state() == ModelStatus.State.HEARTBEAT) {
                continue;
            }
            out.printf("      status: subtask %d %-15s %s %s%s%n", s.subtask(), s.state(), s.model(),
                    s.version() == null ? "?" : s.version(),
                    s.reason() == null ? "" : " (" + s.reason() + (s.detail() == null ? "" : ": " + s.detail()) + ")");
        }
        return statuses.size();
    }

    private void printProgress(SensorFleetSimulator sim, SensorResultTracker tracker, SensorJobConfig config, long since) {
        Histogram interval = tracker.takeIntervalLatency();
        out.printf(Locale.ROOT,
                "      t=%3ds  produced %7d  windows %6d/%-6d  dead-lettered %4d/%-4d  p50 %5.1f ms  p99 %5.1f ms  by version %s%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since),
                sim.sent(),
                tracker.distinctResults(),
                sim.expectedWindows(config.windowSize(), config.windowSlide()),
                tracker.deadLettered(),
                sim.malformedInjected(),
                interval.getTotalCount() == 0 ? 0.0 : DemoSupport.ms(interval.getValueAtPercentile(50)),
                interval.getTotalCount() == 0 ? 0.0 : DemoSupport.ms(interval.getValueAtPercentile(99)),
                tracker.perVersion());
    }

    private void printSummary(SensorDemoReport r, BuiltModel model) {
        out.println();
        out.println("EdgeInfer demo summary");
        out.println("----------------------");
        out.printf(Locale.ROOT, "  inputs           %8d records (%d valid readings, %d malformed on purpose)%n",
                r.inputs(), r.validReadings(), r.malformedInjected());
        out.printf(Locale.ROOT, "  windows expected %8d%n", r.windows());
        out.printf(Locale.ROOT, "  results          %8d (duplicates %d, lost %d)%n", r.results(), r.duplicates(), r.lost());
        out.printf(Locale.ROOT, "  dead-lettered    %8d of %d malformed  %s%n", r.deadLettered(), r.malformedInjected(), r.deadLetterReasons());
        r.perVersion().forEach((version, count) -> {
            SensorDemoReport.Anomaly q = r.anomalyPerVersion().get(version);
            out.printf(Locale.ROOT, "  model %s %-4s  %8d windows  precision %.3f  recall %.3f%n",
                    model.id().name(), version, count, q.precision(), q.recall());
        });
        out.printf(Locale.ROOT, "  anomalies        precision %.3f  recall %.3f  (TP %d, FP %d, FN %d)%n",
                r.anomaly().precision(), r.anomaly().recall(), r.anomaly().truePositives(),
                r.anomaly().falsePositives(), r.anomaly().falseNegatives());
        out.printf(Locale.ROOT, "  latency          p50 %.1f ms  p99 %.1f ms  max %.1f ms  (reading produced -> result readable, %d samples)%n",
                r.latencyMs().p50(), r.latencyMs().p99(), r.latencyMs().max(), r.latencyMs().samples());
        DemoSupport.printLatencySplit(out, r);
        boolean rolloverOk = true;
        if (r.rollover() != null) {
            DemoReport.Rollover ro = r.rollover();
            rolloverOk = ro.misrouted() == 0
                    && ro.maxEventTimeOld() != null && ro.minEventTimeNew() != null
                    && ro.maxEventTimeOld() < ro.activateAt() && ro.activateAt() <= ro.minEventTimeNew();
            out.printf(Locale.ROOT, "  rollover         %s -> %s at event time %s (published %.0f s ahead)%n",
                    ro.fromVersion(), ro.toVersion(), ro.activateAtIso(), ro.leadSeconds());
            out.printf(Locale.ROOT, "                   newest %s window %s ms before it, oldest %s window %s ms after it; misrouted %d%n",
                    ro.fromVersion(), ro.maxEventTimeOld() == null ? "-" : String.valueOf(ro.activateAt() - ro.maxEventTimeOld()),
                    ro.toVersion(), ro.minEventTimeNew() == null ? "-" : String.valueOf(ro.minEventTimeNew() - ro.activateAt()),
                    ro.misrouted());
            out.printf(Locale.ROOT, "                   p99 within 2.5 s of the switch %.1f ms vs steady p99 %.1f ms%n",
                    ro.p99WindowMs(), ro.p99SteadyMs());
        }
        out.printf("  model status     %s%n", r.statusCounts());
        boolean badOk = true;
        if (r.badReleases() != null) {
            SensorDemoReport.BadReleaseSummary b = r.badReleases();
            badOk = b.rejected() == b.sent();
            out.printf("  bad releases     %d sent, %d rejected  %s%s%n", b.sent(), b.rejected(), b.reasons(),
                    b.unexpected().isEmpty() ? "" : "  unexpected: " + b.unexpected());
        }
        boolean ok = r.lost() == 0 && r.deadLettered() == r.malformedInjected() && rolloverOk && badOk;
        out.println(ok
                ? "  verdict          OK: every window scored once by the version the timeline assigns, every malformed record dead-lettered"
                : "  verdict          FAILED: " + r.lost() + " windows lost, "
                        + (r.malformedInjected() - r.deadLettered()) + " malformed records not dead-lettered"
                        + (rolloverOk ? "" : ", rollover boundary violated")
                        + (badOk ? "" : ", a bad release was not rejected"));
    }

}

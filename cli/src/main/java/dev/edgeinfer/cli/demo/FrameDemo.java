package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.frames.FrameClassificationJob;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.frames.FrameFleetSimulator;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;

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

/**
 * {@code edgeinfer demo --frames}: the frame classification job on an embedded broker and a
 * local MiniCluster, simulated cameras sending JPEG frames of known labels (plus bad frames), a
 * signed v1 → v2 rollover of the CNN mid-run, and a summary that counts every frame and checks
 * every result's version against the release timeline (reusing {@link SensorDemo}'s helpers).
 */
public final class FrameDemo extends ConsoleRun<FrameDemo.Settings> {

    /** Demo settings (the CLI's flags). */
    public record Settings(Duration duration, int parallelism, int cameras, double fps, int frameWidth,
            int frameHeight, int modelSize, double badFraction, long seed, KafkaJobOptions.DeliveryGuarantee delivery,
            Duration drainTimeout, Path workDir, boolean rollover, Duration rolloverLead, boolean optimize,
            Duration latencyBudget) {}

    public FrameDemo(Settings settings, PrintStream out) {
        super(settings, out);
    }

    public FrameDemoReport run() throws Exception {
        long started = System.nanoTime();
        Path workDir = workDir(settings.workDir(), "edgeinfer-frame-demo");
        out.printf(Locale.ROOT, "EdgeInfer frame demo: %s, parallelism %d, %d cameras x %.0f fps (%dx%d JPEG), model %dx%d%s%n",
                DemoSupport.human(settings.duration()), settings.parallelism(), settings.cameras(), settings.fps(),
                settings.frameWidth(), settings.frameHeight(), settings.modelSize(), settings.modelSize(),
                settings.rollover() ? ", rollover v1 -> v2" : "");
        try (EmbeddedKafkaBroker kafka = DemoSupport.startKafka(out)) {
            Configuration conf = DemoSupport.jobOnBroker(
                    kafka, FrameJobOptions.FRAMES_TOPIC, FrameJobOptions.RESULTS_TOPIC, FrameJobOptions.DEADLETTER_TOPIC);

            out.println("[2/5] building the CNN classifiers (Conv -> Relu -> GlobalAveragePool -> Gemm -> Softmax, ONNX)");
            int size = settings.modelSize();
            BuiltFrameModel v1 = FrameModelFactory.build(FrameModelFactory.Spec.v1().withSize(size, size), workDir.resolve("models"));
            BuiltFrameModel v2 = FrameModelFactory.build(FrameModelFactory.Spec.v2().withSize(size, size), workDir.resolve("models"));
            out.printf("      %s%n      %s%n", v1.id(), v2.id());

            DemoSupport.SigningKey key = DemoSupport.signingKey(workDir);
            KeyPair signingKey = key.pair();
            conf.set(KafkaJobOptions.TRUSTED_KEYS, key.publicKeyFile().toString());
            conf.set(KafkaJobOptions.MODELS_ROOT, v1.file().getParent().toString());
            conf.set(KafkaJobOptions.PARALLELISM, settings.parallelism());
            conf.set(KafkaJobOptions.DELIVERY_GUARANTEE, settings.delivery());
            conf.set(FrameJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
            conf.set(KafkaJobOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(2));
            conf.set(FrameJobOptions.MAX_RECORD_BYTES, 256 * 1024);
            VariantDemo.Prepared optimized = null;
            if (settings.optimize()) {
                out.println("      --optimize: a MobileNetV2-style v1 and its variants (edgeinfer optimize)");
                optimized = VariantDemo.prepare(v1.file().getParent(), size, conf.get(KafkaJobOptions.BATCH_MAX_SIZE),
                        settings.latencyBudget(), conf.get(FrameJobOptions.MODEL_NAME), out);
                conf.set(KafkaJobOptions.MODEL_LATENCY_BUDGET, optimized.budget());
            } else if (settings.latencyBudget() != null) {
                conf.set(KafkaJobOptions.MODEL_LATENCY_BUDGET, settings.latencyBudget());
            }
            FrameJobConfig config = FrameJobConfig.from(conf);

            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), config.controlTopic());
            List<ModelRelease> published = new ArrayList<>();
            ModelRelease first = ReleaseSigning.sign(optimized != null ? optimized.release()
                    : ReleaseFactory.fromFile(config.modelName(), "v1", v1.file(), 0L, 100, "edgeinfer-demo",
                            System.currentTimeMillis(), v1.releaseMetadata()), signingKey);
            control.publish(first);
            published.add(first);
            out.printf("[3/5] published %s v1 with metadata %s (signed by %s)%n", first.model(), first.metadata(), first.signedBy());
            for (var variant : first.variants()) {
                out.printf("      variant %s%n", variant.describe());
            }
            if (optimized != null) {
                out.printf(Locale.ROOT, "      model.latency-budget %.1f ms per batch of %d%n", optimized.budget().toNanos() / 1e6,
                        config.batchMaxSize());
            }

            out.print("[4/5] starting the Flink job on a local MiniCluster ... ");
            JobClient job = LocalCluster.startJob(settings.parallelism(), env -> FrameClassificationJob.build(env, config), FrameClassificationJob.JOB_NAME);
            out.println("running (job " + job.getJobID() + ")");

            // When v2 is published: the same lead and moment for every demo, see DemoSupport.
            Duration lead = DemoSupport.rolloverLead(settings.duration(), settings.rolloverLead());
            long publishAfterMs = DemoSupport.publishAfterMs(settings.duration(), lead);
            try (FrameFleetSimulator cameras = new FrameFleetSimulator(kafka.bootstrapServers(), config.framesTopic(),
                            settings.cameras(), settings.fps(), settings.frameWidth(), settings.frameHeight(),
                            settings.badFraction(), config.maxRecordBytes(), settings.seed());
                    FrameResultTracker tracker = new FrameResultTracker(kafka.bootstrapServers(), config.resultsTopic(),
                            config.deadLetterTopic(), config.statusTopic(), cameras)) {
                tracker.start();
                cameras.warmUp(config.warmupMaxTime());
                DemoSupport.awaitServing(tracker, first, settings.parallelism(), job, Duration.ofSeconds(60), out);
                out.printf("[5/5] streaming for %s; progress every 2 s%n", DemoSupport.human(settings.duration()));
                DemoSupport.Production producer = DemoSupport.Production.start("edgeinfer-cameras", () -> cameras.run(settings.duration(), () -> false));
                ModelRelease next = null;
                while (producer.isAlive()) {
                    producer.join(1000);
                    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - producer.startNanos());
                    if (settings.rollover() && next == null && elapsed >= publishAfterMs) {
                        long activateAt = System.currentTimeMillis() + lead.toMillis();
                        next = ReleaseSigning.sign(ReleaseFactory.fromFile(config.modelName(), "v2", v2.file(), activateAt,
                                100, "edgeinfer-demo", System.currentTimeMillis(), v2.releaseMetadata()), signingKey);
                        control.publish(next);
                        published.add(next);
                        out.printf("      >> published %s v2 (sha256 %s...): activates at frame time %s, in %d s%n",
                                next.model(), next.sha256().substring(0, 12), Instant.ofEpochMilli(activateAt), lead.toSeconds());
                    }
                    if (elapsed / 1000 % 2 == 0) {
                        progress(cameras, tracker, elapsed);
                    }
                    LocalCluster.failIfJobDied(job);
                }
                long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
                while (System.nanoTime() < deadline && (tracker.distinctResults() < cameras.goodFrames()
                        || tracker.deadLettered() < cameras.badInjected())) {
                    Thread.sleep(100);
                    LocalCluster.failIfJobDied(job);
                }
                Thread.sleep(300);
                job.cancel().get(30, TimeUnit.SECONDS);
                if (cameras.sendErrors() > 0) {
                    throw new IllegalStateException(cameras.sendErrors() + " frames could not be written", cameras.firstSendError());
                }
                if (!tracker.unreadable().isEmpty() || tracker.unknownFrames() > 0) {
                    throw new IllegalStateException("unreadable or unknown output: " + tracker.unreadable() + ", "
                            + tracker.unknownFrames() + " results for frames never sent");
                }
                FrameDemoReport.Variants variants = optimized == null ? null : VariantDemo.summarize(first,
                        optimized.budget(), tracker.statuses(), tracker.perVersionSha256());
                FrameDemoReport report = report(cameras, tracker, published, first, next, producer.startWallMs(), lead,
                        started, v1, v2, variants);
                printSummary(report);
                return report;
            }
        }
    }

    private FrameDemoReport report(FrameFleetSimulator cameras, FrameResultTracker tracker, List<ModelRelease> published,
            ModelRelease first, ModelRelease next, long produceStartWall, Duration lead, long started,
            BuiltFrameModel v1, BuiltFrameModel v2, FrameDemoReport.Variants variants) {
        Map<String, Long> perVersion = new TreeMap<>();
        Map<String, Double> accuracyPerVersion = new TreeMap<>();
        long correct = 0;
        long distinct = 0;
        for (Map.Entry<String, long[]> e : tracker.accuracyPerVersion().entrySet()) {
            perVersion.put(e.getKey(), e.getValue()[0]);
            accuracyPerVersion.put(e.getKey(), DemoReport.round((double) e.getValue()[1] / e.getValue()[0]));
            correct += e.getValue()[1];
            distinct += e.getValue()[0];
        }
        DemoReport.LatencyMs[] latency = DemoSupport.latencySplit(tracker, produceStartWall);
        return new FrameDemoReport(
                cameras.sent(), cameras.goodFrames(), tracker.results(), tracker.duplicates(),
                Math.max(0, cameras.goodFrames() - tracker.distinctResults()), tracker.deadLettered(), cameras.badInjected(),
                perVersion, distinct == 0 ? 0 : DemoReport.round((double) correct / distinct), accuracyPerVersion,
                latency[0],
                latency[1],
                latency[2],
                tracker.deadLetterReasons(),
                next == null ? null : DemoSupport.rollover(ReleaseTimeline.of(published), first, next, tracker.samples(),
                        produceStartWall, lead),
                DemoSupport.statusCounts(tracker.statuses()),
                new FrameDemoReport.Run(DemoReport.round((System.nanoTime() - started) / 1e9), settings.parallelism(),
                        settings.cameras(), settings.fps(), settings.frameWidth() + "x" + settings.frameHeight(),
                        settings.modelSize() + "x" + settings.modelSize(),
                        v1.id() + (next == null ? "" : " -> " + v2.id()),
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")),
                variants);
    }

    private void progress(FrameFleetSimulator cameras, FrameResultTracker tracker, long elapsedMs) {
        Map<String, String> versions = new TreeMap<>();
        tracker.accuracyPerVersion().forEach((v, c) -> versions.put(v, c[0] + " (" + c[1] + " correct)"));
        out.printf(Locale.ROOT, "      t=%3ds  frames %6d  classified %6d/%-6d  dead-lettered %3d/%-3d  by version %s%n",
                elapsedMs / 1000, cameras.sent(), tracker.distinctResults(), cameras.goodFrames(), tracker.deadLettered(),
                cameras.badInjected(), versions);
    }

    private void printSummary(FrameDemoReport r) {
        out.println();
        out.println("EdgeInfer frame demo summary");
        out.println("----------------------------");
        out.printf(Locale.ROOT, "  inputs           %8d frames (%d good, %d bad on purpose)%n", r.inputs(), r.goodFrames(), r.malformedInjected());
        out.printf(Locale.ROOT, "  results          %8d (duplicates %d, lost %d)%n", r.results(), r.duplicates(), r.lost());
        out.printf(Locale.ROOT, "  dead-lettered    %8d of %d bad  %s%n", r.deadLettered(), r.malformedInjected(), r.deadLetterReasons());
        r.perVersion().forEach((v, n) -> out.printf(Locale.ROOT, "  model %-4s       %8d frames  top-1 accuracy %.3f%n",
                v, n, r.accuracyPerVersion().get(v)));
        out.printf(Locale.ROOT, "  accuracy         %.3f (top-1 label = the label the frame was drawn with)%n", r.accuracy());
        out.printf(Locale.ROOT, "  latency          p50 %.1f ms  p99 %.1f ms  max %.1f ms  (frame produced -> result readable, %d samples)%n",
                r.latencyMs().p50(), r.latencyMs().p99(), r.latencyMs().max(), r.latencyMs().samples());
        DemoSupport.printLatencySplit(out, r);
        if (r.rollover() != null) {
            DemoReport.Rollover ro = r.rollover();
            out.printf(Locale.ROOT, "  rollover         %s -> %s at frame time %s; newest %s frame %s ms before, oldest %s frame %s ms after; misrouted %d%n",
                    ro.fromVersion(), ro.toVersion(), ro.activateAtIso(), ro.fromVersion(),
                    ro.maxEventTimeOld() == null ? "-" : String.valueOf(ro.activateAt() - ro.maxEventTimeOld()), ro.toVersion(),
                    ro.minEventTimeNew() == null ? "-" : String.valueOf(ro.minEventTimeNew() - ro.activateAt()), ro.misrouted());
        }
        out.printf("  model status     %s%n", r.statusCounts());
        if (r.variants() != null) {
            FrameDemoReport.Variants v = r.variants();
            out.printf(Locale.ROOT, "  variants         chosen %s (budget %.1f ms); per subtask %s; v1 results by sha256 %s, "
                    + "naming another %d%n", v.chosen(), v.budgetMs(), v.perSubtask(), v.resultsPerSha256(),
                    v.resultsNotNamingChosen());
            v.measurements().forEach(m -> out.printf("                   %s%n", m));
        }
        out.println(r.ok() ? "  verdict          OK: every good frame classified once by the version the timeline assigns, every bad frame dead-lettered"
                : "  verdict          FAILED: " + r.lost() + " frames lost, " + (r.malformedInjected() - r.deadLettered())
                        + " bad frames not dead-lettered" + (r.rollover() != null && r.rollover().misrouted() > 0 ? ", misrouted results" : ""));
    }
}

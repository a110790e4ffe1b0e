package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.cli.ConsoleRun;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.cli.fleet.FleetCensus;
import dev.edgeinfer.jobs.config.ControllerJobConfig;
import dev.edgeinfer.jobs.config.ControllerJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.controller.RolloutControllerJob;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.DriftedSensorModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import org.HdrHistogram.Histogram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code edgeinfer demo --fleet}: three sites (three sensor jobs with their own site ids and labels,
 * one broker, one control topic) and the rollout controller, on one local MiniCluster. A site wave
 * of v2 (label {@code wave=1}: plant-1, plant-2) is promoted by the controller once healthy; a
 * drifted v3 canaried on that wave is rolled back by the controller on its own; plant-3 was never
 * given the controller's key, so it refuses the controller's promotion, keeps serving v1 and shows
 * STALE in the census, which is printed live. Every result is checked against its own site's
 * release timeline.
 */
public final class FleetDemo extends ConsoleRun<FleetDemo.Settings> {

    /** Demo settings (the CLI's flags). */
    public record Settings(Duration duration, int devices, double ratePerSecond, double malformedFraction,
            double anomalyRate, long seed, Duration drainTimeout, Path workDir) {}

    private static final Duration LEAD = Duration.ofSeconds(5);
    private static final ReleaseTarget WAVE_1 = ReleaseTarget.of(List.of(), List.of("wave=1"));

    public FleetDemo(Settings settings, PrintStream out) {
        super(settings, out);
    }

    /** Runs the demo end to end and returns its report. */
    public FleetDemoReport run() throws Exception {
        long started = System.nanoTime();
        Path workDir = workDir(settings.workDir(), "edgeinfer-fleet-demo");
        out.printf("EdgeInfer fleet demo: %s, 3 sites x %d devices at %.0f readings/s each, a rollout controller%n",
                DemoSupport.human(settings.duration()), devicesPerSite(), ratePerSite());
        try (EmbeddedKafkaBroker kafka = DemoSupport.startKafka(out)) {
            Configuration topics = DemoSupport.jobOnBroker(kafka, dev.edgeinfer.jobs.config.SensorJobOptions.READINGS_TOPIC,
                    dev.edgeinfer.jobs.config.SensorJobOptions.RESULTS_TOPIC,
                    dev.edgeinfer.jobs.config.SensorJobOptions.DEADLETTER_TOPIC);
            String controlTopic = topics.get(KafkaJobOptions.CONTROL_TOPIC);
            String statusTopic = topics.get(KafkaJobOptions.STATUS_TOPIC);
            out.printf("      watch it from another shell:  ./edgeinfer fleet --bootstrap %s --watch%n", kafka.bootstrapServers());

            out.println("[2/5] building the models: v1, v2 (Tribuo logistic regression -> ONNX) and v3, a drifted scorer");
            Path models = workDir.resolve("models");
            BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), models);
            BuiltModel v2 = SensorModelFactory.build(SensorModelSpec.v2(), models);
            BuiltModel v3 = DriftedSensorModel.build(v2, "v3", 0.93f, models);

            DemoSupport.SigningKey releaseKey = DemoSupport.signingKey(workDir);
            Path controllerKeys = Files.createDirectories(workDir.resolve("controller-keys-" + System.nanoTime()));
            KeyPair controllerPair = ReleaseSigning.generateKeyPair();
            ReleaseSigning.writePrivateKey(controllerKeys.resolve("controller.key"), controllerPair.getPrivate());
            ReleaseSigning.writePublicKey(controllerKeys.resolve("controller.pub"), controllerPair.getPublic());
            out.printf("      release key %s (the release team's), controller key %s%n",
                    ReleaseSigning.keyId(releaseKey.pair().getPublic()), ReleaseSigning.keyId(controllerPair.getPublic()));

            ControlTopic control = new ControlTopic(kafka.bootstrapServers(), controlTopic);
            ModelRelease first = release(v1, 0L, 100, ReleaseTarget.ALL, releaseKey.pair());
            control.publish(first);
            out.printf("[3/5] published %s %s for every site, active from the beginning of time%n", first.model(), first.version());

            List<Path> both = List.of(releaseKey.publicKeyFile(), controllerKeys.resolve("controller.pub"));
            List<FleetSite> sites = new ArrayList<>();
            JobClient controllerJob = null;
            try (MiniCluster cluster = LocalCluster.startCluster(4);
                    FleetWatch watch = new FleetWatch(kafka.bootstrapServers(), statusTopic, controlTopic)) {
                try {
                    sites.add(site(kafka, "plant-1", "wave=1", both, true, v1, workDir, 1));
                    sites.add(site(kafka, "plant-2", "wave=1", both, true, v1, workDir, 2));
                    sites.add(site(kafka, "plant-3", "wave=2", List.of(releaseKey.publicKeyFile()), false, v1, workDir, 3));
                    out.println("[4/5] starting the three sensor jobs and the rollout controller on a local MiniCluster");
                    for (FleetSite s : sites) {
                        s.start(cluster);
                        out.printf("      %s (%s) running, trusts %s%n", s.id, s.labels,
                                s.trustsController ? "the release and controller keys" : "the release key only");
                    }
                    ControllerJobConfig controller = controllerConfig(kafka.bootstrapServers(), controllerKeys);
                    controllerJob = LocalCluster.submit(cluster, 1,
                            env -> RolloutControllerJob.build(env, controller), RolloutControllerJob.JOB_NAME);
                    out.printf("      rollout controller running: %s%n", controller.policy());
                    awaitStaged(sites, first);
                    return runScenario(sites, controllerJob, watch, control, v2, v3, releaseKey.pair(), started);
                } finally {
                    if (controllerJob != null) {
                        LocalCluster.cancelQuietly(controllerJob);
                    }
                    for (FleetSite s : sites) {
                        s.close();
                    }
                }
            }
        }
    }

    private FleetDemoReport runScenario(List<FleetSite> sites, JobClient controllerJob, FleetWatch watch,
            ControlTopic control, BuiltModel v2, BuiltModel v3, KeyPair releaseKey, long started) throws Exception {
        out.printf("[5/5] producing for %s; the census every 10 s%n", DemoSupport.human(settings.duration()));
        List<Thread> producers = new ArrayList<>();
        for (FleetSite s : sites) {
            Thread t = new Thread(() -> s.produce(settings.duration()), "edgeinfer-simulator-" + s.id);
            t.start();
            producers.add(t);
        }
        long produceStartWall = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        long durationMs = settings.duration().toMillis();
        ModelRelease wave = null;
        ModelRelease canary = null;
        int decisionsShown = 0;
        java.util.Set<String> rejectionsShown = new java.util.HashSet<>();
        long nextCensus = 10_000;
        while (producers.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(500);
            long t = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            long now = System.currentTimeMillis();
            List<RolloutDecision> decisions = watch.decisions();
            if (wave == null && t >= Math.max(3_000, durationMs / 15)) {
                wave = release(v2, now + LEAD.toMillis(), 100, WAVE_1, releaseKey);
                control.publish(wave);
                out.printf("      >> t=%3ds published %s %s for sites labelled wave=1 (plant-1, plant-2), activates in %d s%n",
                        t / 1000, wave.model(), wave.version(), LEAD.toSeconds());
            }
            Optional<RolloutDecision> promotion = decisions.stream()
                    .filter(d -> d.action() == RolloutDecision.Action.PROMOTE).findFirst();
            if (canary == null && promotion.isPresent() && now >= promotion.get().activateAt()) {
                canary = release(v3, now + LEAD.toMillis(), 50, WAVE_1, releaseKey);
                control.publish(canary);
                out.printf("      >> t=%3ds published %s %s as a 50%% canary for wave=1, activates in %d s"
                        + " (its scores drifted: the controller should roll it back)%n", t / 1000, canary.model(),
                        canary.version(), LEAD.toSeconds());
            }
            for (FleetSite s : sites) {
                s.statuses().stream().filter(st -> st.state() == dev.edgeinfer.broadcast.status.ModelStatus.State.REJECTED)
                        .filter(st -> rejectionsShown.add(s.id + st.releaseId()))
                        .forEach(st -> out.printf("      >> t=%3ds %s refused %s %s: %s%n", t / 1000, s.id, st.model(),
                                st.version(), st.reason()));
            }
            for (; decisionsShown < decisions.size(); decisionsShown++) {
                out.printf("      >> t=%3ds controller: %s%n", t / 1000, decisions.get(decisionsShown).summary());
            }
            if (t >= nextCensus) {
                printCensus(watch, t);
                nextCensus += 10_000;
            }
            for (FleetSite s : sites) {
                LocalCluster.failIfJobDied(s.job);
            }
            LocalCluster.failIfJobDied(controllerJob);
        }
        out.printf("      producing done; waiting up to %s for the last results ...%n", DemoSupport.human(settings.drainTimeout()));
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (System.nanoTime() < deadline && !sites.stream().allMatch(FleetSite::drained)) {
            Thread.sleep(100);
        }
        Thread.sleep(300);
        printCensus(watch, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        List<ModelRelease> all = control.readAll(true);
        return report(sites, watch, all, v2.id().name(), produceStartWall, started);
    }

    private FleetDemoReport report(List<FleetSite> sites, FleetWatch watch, List<ModelRelease> all, String model,
            long produceStartWall, long started) {
        long now = System.currentTimeMillis();
        List<FleetCensus.Row> rows = watch.rows(now);
        Map<String, FleetDemoReport.Site> perSite = new LinkedHashMap<>();
        long inputs = 0, windows = 0, results = 0, duplicates = 0, lost = 0, misrouted = 0, deadLettered = 0, malformed = 0;
        Map<String, Long> perVersion = new TreeMap<>();
        Map<String, Long> reasons = new TreeMap<>();
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        Histogram first = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        Histogram steady = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        long split = produceStartWall + DemoReport.FIRST_SECONDS * 1000L;
        for (FleetSite s : sites) {
            long siteLost = Math.max(0, s.expectedWindows() - s.tracker.distinctResults());
            long siteMisrouted = s.misrouted(all, model);
            Optional<FleetCensus.Row> row = rows.stream().filter(r -> r.site().equals(s.id)).findFirst();
            perSite.put(s.id, new FleetDemoReport.Site(s.config.siteLabels().toString(), s.trustsController,
                    s.simulator.sent(), s.expectedWindows(), s.tracker.results(), siteLost, siteMisrouted,
                    s.tracker.perVersion(), row.map(FleetCensus.Row::serving).orElse(null),
                    row.map(r -> r.flags().stream().map(Enum::name).toList()).orElse(List.of())));
            inputs += s.simulator.sent();
            windows += s.expectedWindows();
            results += s.tracker.results();
            duplicates += s.tracker.duplicates();
            lost += siteLost;
            misrouted += siteMisrouted;
            deadLettered += s.tracker.deadLettered();
            malformed += s.simulator.malformedInjected();
            s.tracker.perVersion().forEach((v, c) -> perVersion.merge(v, c, Long::sum));
            s.tracker.deadLetterReasons().forEach((r, c) -> reasons.merge(r, c, Long::sum));
            latency.add(s.tracker.latency());
            first.add(s.tracker.latencyOfInputsProduced(Long.MIN_VALUE, split));
            steady.add(s.tracker.latencyOfInputsProduced(split, Long.MAX_VALUE));
        }
        List<RolloutDecision> decisions = watch.decisions();
        FleetDemoReport.Fleet fleet = new FleetDemoReport.Fleet(sites.size(),
                decisions.stream().filter(d -> d.action() == RolloutDecision.Action.PROMOTE).count(),
                decisions.stream().filter(d -> d.action() == RolloutDecision.Action.ROLLBACK).count(),
                flagged(rows, FleetCensus.Flag.STALE), flagged(rows, FleetCensus.Flag.PROBLEMATIC));
        FleetDemoReport report = new FleetDemoReport(inputs, windows, results, duplicates, lost, misrouted, deadLettered,
                malformed, perVersion, DemoSupport.latencyMs(latency), DemoSupport.latencyMs(first),
                DemoSupport.latencyMs(steady), reasons, DemoSupport.statusCounts(sites.get(0).tracker.statuses()), perSite,
                fleet, decisions.stream().map(RolloutDecision::summary).toList(),
                rows.stream().map(FleetDemo::describe).toList(), DemoReport.round((System.nanoTime() - started) / 1e9));
        printSummary(report);
        return report;
    }

    private static long flagged(List<FleetCensus.Row> rows, FleetCensus.Flag flag) {
        return rows.stream().filter(r -> r.flags().contains(flag)).map(FleetCensus.Row::site).distinct().count();
    }

    private FleetSite site(EmbeddedKafkaBroker kafka, String id, String labels, List<Path> trusted, boolean trustsController,
            BuiltModel v1, Path workDir, int index) throws Exception {
        return new FleetSite(kafka, id, labels, trusted, trustsController, v1, workDir, devicesPerSite(), ratePerSite(),
                settings.malformedFraction(), settings.anomalyRate(), settings.seed() + index);
    }

    private int devicesPerSite() {
        return Math.max(3, settings.devices() / 3);
    }

    private double ratePerSite() {
        return settings.ratePerSecond() / 3;
    }

    /** The controller's policy for a short demo: judged on 100 records, promoted after 10 s healthy. */
    private static ControllerJobConfig controllerConfig(String bootstrap, Path keys) {
        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(KafkaJobOptions.PARALLELISM, 1);
        conf.set(ControllerJobOptions.SIGNING_KEY, keys.resolve("controller.key").toString());
        conf.set(ControllerJobOptions.MIN_RECORDS, 100);
        conf.set(ControllerJobOptions.WINDOW, Duration.ofSeconds(30));
        conf.set(ControllerJobOptions.PROMOTE_DWELL, Duration.ofSeconds(10));
        conf.set(ControllerJobOptions.MAX_DRIFT_PSI, 1.0);
        conf.set(ControllerJobOptions.CLEAR_DRIFT_PSI, 0.5);
        conf.set(ControllerJobOptions.ACTIVATION_LEAD, LEAD);
        return ControllerJobConfig.from(conf);
    }

    private static ModelRelease release(BuiltModel m, long activateAt, int canary, ReleaseTarget targets, KeyPair key)
            throws Exception {
        return ReleaseSigning.sign(ReleaseFactory.fromFile(m.id().name(), m.id().version(), m.file(), activateAt, canary,
                "edgeinfer-demo", System.currentTimeMillis()).toBuilder().targets(targets).build(), key);
    }

    private void awaitStaged(List<FleetSite> sites, ModelRelease release) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!sites.stream().allMatch(s -> s.staged(release))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(release.version() + " was not staged at every site within 60 s");
            }
            for (FleetSite s : sites) {
                LocalCluster.failIfJobDied(s.job);
            }
            Thread.sleep(50);
        }
        out.printf("      ready: %s %s staged at every site%n", release.model(), release.version());
    }

    private void printCensus(FleetWatch watch, long t) {
        List<FleetCensus.Row> rows = watch.rows(System.currentTimeMillis());
        out.printf(Locale.ROOT, "      census at t=%ds:  %-8s %-10s %-8s %6s %8s %7s  %s%n", t / 1000, "SITE", "SERVING",
                "AGE s", "REC/s", "ERRORS", "ANOM %", "FLAGS");
        rows.forEach(r -> out.printf(Locale.ROOT, "                        %-8s %-10s %-8d %6.1f %8d %7.2f  %s%n", r.site(),
                r.serving(), r.heartbeatAgeMillis() / 1000, r.recordsPerSecond(), r.errors(), 100 * r.anomalyRate(),
                r.flags().isEmpty() ? "-" : String.join(",", r.flags().stream().map(Enum::name).toList())));
        watch.badRecords().forEach(b -> out.println("      skipped bad status record " + b));
    }

    private static String describe(FleetCensus.Row r) {
        return r.site() + " " + r.job() + " " + r.model() + " serving " + r.serving() + " flags " + r.flags();
    }

    private void printSummary(FleetDemoReport r) {
        out.println();
        out.println("EdgeInfer fleet demo summary");
        out.println("----------------------------");
        out.printf(Locale.ROOT, "  inputs           %8d records over 3 sites (%d malformed on purpose)%n", r.inputs(),
                r.malformedInjected());
        out.printf(Locale.ROOT, "  results          %8d of %d windows (duplicates %d, lost %d, misrouted %d)%n", r.results(),
                r.windows(), r.duplicates(), r.lost(), r.misrouted());
        r.perSite().forEach((id, s) -> out.printf(Locale.ROOT,
                "  %-8s %-9s %6d windows, lost %d, misrouted %d, by version %s, serving %s %s%n", id, s.labels(),
                s.windows(), s.lost(), s.misrouted(), s.perVersion(), s.servingAtEnd(), s.flagsAtEnd()));
        r.decisions().forEach(d -> out.println("  controller       " + d));
        FleetDemoReport.Fleet f = r.fleet();
        out.printf("  fleet            %d sites, %d promoted, %d rolled back by the controller, %d STALE, %d PROBLEMATIC%n",
                f.sites(), f.promoted(), f.autoRolledBack(), f.staleSites(), f.problematicSites());
        out.printf(Locale.ROOT, "  latency          p50 %.1f ms  p99 %.1f ms  max %.1f ms%n", r.latencyMs().p50(),
                r.latencyMs().p99(), r.latencyMs().max());
        out.println(r.ok()
                ? "  verdict          OK: nothing lost, every result scored by its site's timeline, a canary promoted, a bad"
                        + " version rolled back by the controller, a STALE site flagged"
                : "  verdict          FAILED: lost " + r.lost() + ", misrouted " + r.misrouted() + ", dead-lettered "
                        + r.deadLettered() + "/" + r.malformedInjected() + ", promoted " + f.promoted()
                        + ", rolled back " + f.autoRolledBack() + ", STALE " + f.staleSites());
    }
}

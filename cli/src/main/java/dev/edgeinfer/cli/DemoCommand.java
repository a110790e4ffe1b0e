package dev.edgeinfer.cli;

import dev.edgeinfer.cli.demo.DemoReport;
import dev.edgeinfer.cli.demo.FleetDemo;
import dev.edgeinfer.cli.demo.FrameDemo;
import dev.edgeinfer.cli.demo.SensorDemo;
import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code edgeinfer demo}: everything on this machine, counted end to end. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a self-checking demo on an embedded Kafka broker and a local Flink MiniCluster.",
            "The sensor pipeline (or, with --frames, the frame pipeline) serves a simulated fleet,",
            "model v2 is published mid-run (v1 serves first) and a summary is printed. Exits 1",
            "if any window was lost, any malformed record did not reach the dead-letter topic, or any",
            "result carries a version other than the one the release timeline assigns to it."
        })
final class DemoCommand implements Callable<Integer> {

    @Mixin LocalRunOptions local;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to produce readings (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--devices", defaultValue = "20", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rate", defaultValue = "400", description = "Records per second across the fleet (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--malformed", defaultValue = "0.01", description = "Share of deliberately malformed records (default: ${DEFAULT-VALUE}).")
    double malformed;

    @Option(names = "--anomaly-rate", defaultValue = "0.01", description = "Per-reading chance an anomaly episode starts (default: ${DEFAULT-VALUE}).")
    double anomalyRate;

    @Option(names = "--delivery", defaultValue = "AT_LEAST_ONCE",
            description = "AT_LEAST_ONCE or EXACTLY_ONCE (default: ${DEFAULT-VALUE}).")
    DeliveryGuarantee delivery;

    @Option(names = "--drain-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the last results after producing stops (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--report", description = "Write the JSON report to this file.")
    Path report;

    @Option(names = "--bad-releases",
            description = "Send one of each bad release during the run (then the good v2): each must be rejected with its reason.")
    boolean badReleases;

    @Option(names = "--frames",
            description = "Run the frame classification demo instead: simulated cameras, a CNN, rollover v1 -> v2.")
    boolean frames;

    @Option(names = "--fleet",
            description = "Run the fleet demo instead: three sites (sensor jobs plant-1..3), one control topic and the rollout "
                    + "controller; a site wave is promoted, a drifted canary rolled back, a site left STALE. Use --duration 90s.")
    boolean fleet;

    @Option(names = "--cameras", defaultValue = "4", description = "With --frames: simulated cameras (default: ${DEFAULT-VALUE}).")
    int cameras;

    @Option(names = "--fps", defaultValue = "30", description = "With --frames: frames per second per camera (default: ${DEFAULT-VALUE}).")
    double fps;

    @Option(names = "--optimize",
            description = "With --frames: v1 is a MobileNetV2-style CNN published with its variants (fp32, int8, "
                    + "int8-reduced-range, pruned-50, made by `edgeinfer optimize`); each subtask serves the most faithful "
                    + "variant within model.latency-budget, named in every result and in the report.")
    boolean optimize;

    @Option(names = "--latency-budget", converter = DurationConverter.class,
            description = "With --frames: model.latency-budget (p99 per batch). With --optimize, default: 3x the fp32 "
                    + "model's measured per-frame p50 times the batch size, plus 50 ms.")
    java.time.Duration latencyBudget;

    @Option(names = "--model-size", defaultValue = "96",
            description = "With --frames: the CNN's input height and width, e.g. 96 or 224 (default: ${DEFAULT-VALUE}).")
    int modelSize;

    @Override
    public Integer call() throws Exception {
        return exitCode(fleet ? fleet() : frames ? frames() : sensor());
    }

    private DemoReport sensor() throws Exception {
        if (local.parallelism < 1 || devices < 1 || rate <= 0) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--parallelism, --devices and --rate must be positive");
        }
        return new SensorDemo(
                        new SensorDemo.Settings(
                                duration, local.parallelism, devices, rate, malformed, anomalyRate, local.seed, delivery,
                                drainTimeout, local.workDir, !local.noRollover || badReleases, local.rolloverLead, badReleases),
                        System.out)
                .run();
    }

    private DemoReport fleet() throws Exception {
        if (devices < 1 || rate <= 0 || duration.compareTo(Duration.ofSeconds(60)) < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "with --fleet, --devices and --rate must be positive and --duration at least 60s (the controller "
                            + "judges on 10 s heartbeats: a promotion and a rollback take about a minute); try --duration 90s");
        }
        return new FleetDemo(new FleetDemo.Settings(duration, devices, rate, malformed, anomalyRate, local.seed,
                drainTimeout, local.workDir), System.out).run();
    }

    private DemoReport frames() throws Exception {
        if (local.parallelism < 1 || cameras < 1 || fps <= 0 || modelSize < 3) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--parallelism, --cameras, --fps and --model-size must be positive");
        }
        return new FrameDemo(new FrameDemo.Settings(duration, local.parallelism, cameras, fps, 160, 120,
                modelSize, malformed, local.seed, delivery, drainTimeout, local.workDir, !local.noRollover, local.rolloverLead,
                optimize, latencyBudget), System.out).run();
    }

    /** Writes {@code --report} if asked; 0 when the run passed, else 1. */
    private int exitCode(DemoReport result) throws java.io.IOException {
        if (report != null) {
            result.writeTo(report);
            System.out.println("  report           " + report.toAbsolutePath());
        }
        return result.ok() ? 0 : 1;
    }
}

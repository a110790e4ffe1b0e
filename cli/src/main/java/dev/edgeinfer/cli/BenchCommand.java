package dev.edgeinfer.cli;

import dev.edgeinfer.cli.bench.BenchChart;
import dev.edgeinfer.cli.bench.BenchReport;
import dev.edgeinfer.cli.bench.BenchRunner;
import dev.edgeinfer.cli.bench.BenchScenario;
import dev.edgeinfer.cli.bench.BenchScenarios;
import dev.edgeinfer.cli.bench.RolloverBench;
import dev.edgeinfer.cli.bench.RolloverReport;
import dev.edgeinfer.cli.bench.SensorBenchScenario;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code edgeinfer bench}: bare ONNX Runtime vs pass-through vs the pipeline, with a rollover, in one run. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures the pipeline against bare ONNX Runtime and a pass-through without a model.",
            "In one run on this machine with the same model, threads and batch settings, it measures:",
            "  (a) bare ONNX Runtime in a loop (the hardware's limit),",
            "  (b) Kafka -> Flink -> Kafka pass-through without a model (the plumbing's floor),",
            "  (c) the full pipeline: throughput at saturation and p50/p99 at --rate, with a model",
            "      rollover (v1 -> v2, published with a lead time) mid-run.",
            "Load is open-loop: sends are scheduled by the clock and latency counts from each record's",
            "intended send time to its result being readable by a consumer (HdrHistogram). Prints a",
            "table with the ratios, writes --json and a latency-over-time PNG chart.",
            "--scenario rollovers instead runs the sensor pipeline under load through --count rollovers,",
            "--rollover-interval apart, and reports the process's RSS, heap and open ONNX Runtime sessions",
            "after each and the p99 around each switch; it fails (exit 1) if RSS grows by more than 5%",
            "or the open sessions keep growing."
        })
final class BenchCommand implements Callable<Integer> {

    @Mixin LocalRunOptions local;

    @Option(names = "--scenario", defaultValue = "sensor",
            description = "Workload: sensor, frames, chaos (the sensor pipeline under faults) or rollovers (the sensor "
                    + "pipeline through --count rollovers) (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--count", defaultValue = "50",
            description = "Rollovers only: how many releases roll over (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--rollover-interval", defaultValue = "2s", converter = DurationConverter.class,
            description = "Rollovers only: time between two rollovers (default: ${DEFAULT-VALUE}); each is published "
                    + "--rollover-lead ahead, at most half of this.")
    Duration rolloverInterval;

    @Option(names = "--rate",
            description = "Open-loop input records per second (default: the scenario's: sensor 2000 readings/s, "
                    + "frames 120 = 4 cameras x 30 fps).")
    Double rate;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "Open-loop phase of the pass-through and of the pipeline, each (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--batch-size",
            description = "Micro-batch size: the operator's batch.max-size and the bare-ORT batch "
                    + "(default: the job's batch.max-size default).")
    Integer batchSize;

    @Option(names = "--batch-delay", converter = DurationConverter.class,
            description = "The operator's batch.max-delay (default: the job's batch.max-delay default).")
    Duration batchDelay;

    @Option(names = "--devices", description = "Keys the load rotates over (default: sensor 20, or rate/500 if more; "
            + "frames 4 cameras, or rate/30 if more).")
    Integer devices;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "Start of each open-loop phase left out of p50/p99 (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--backlog",
            description = "Records preloaded before each job starts; their drain rate is the saturation throughput "
                    + "(default: sensor 200000, frames 20000).")
    Long backlog;

    @Option(names = "--model-size",
            description = "Frames only: the CNN's square input and the frames' size in pixels, e.g. 96 or 224 (default: 96).")
    Integer modelSize;

    @Option(names = "--model",
            description = "With --scenario frames: serve this ONNX classifier (e.g. a variant written by `edgeinfer optimize`) "
                    + "instead of the built CNNs, without rollover; give its input size as --model-size.")
    Path model;

    @Option(names = "--frame-format",
            description = "Frames only: how the cameras encode their frames, jpeg (decoded by the job) or rgb (raw "
                    + "interleaved RGB, nothing to decode) (default: jpeg).")
    String frameFormat;

    @Option(names = "--bare-ort-duration", defaultValue = "5s", converter = DurationConverter.class,
            description = "How long bare ONNX Runtime is measured (default: ${DEFAULT-VALUE}).")
    Duration bareOrtDuration;

    @Option(names = "--drain-timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Longest wait for a backlog to drain or for the last results (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--bucket", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Time bucket of the latency-over-time chart (default: ${DEFAULT-VALUE}).")
    Duration bucket;

    @Option(names = "--json", description = "Write the report as JSON to this file.")
    Path json;

    @Option(names = "--chart", description = "Write the latency-over-time PNG here (default: next to --json, <name>.png).")
    Path chart;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ChaosCommand.NAME.equals(scenario)) {
            return ChaosCommand.run(local, rate, duration, devices, warmup, drainTimeout, json);
        }
        if (BenchScenarios.ROLLOVERS.equals(scenario)) {
            return rollovers();
        }
        if (!BenchScenarios.NAMES.contains(scenario)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown --scenario '" + scenario + "'; known: " + String.join(", ", BenchScenarios.NAMES) + ", "
                            + BenchScenarios.ROLLOVERS + ", " + ChaosCommand.NAME);
        }
        BenchScenario<?, ?> workload;
        try {
            workload = BenchScenarios.forName(scenario, modelSize);
            if (model != null) {
                if (!(workload instanceof dev.edgeinfer.cli.bench.FrameBenchScenario frames)) {
                    throw new IllegalArgumentException("--model applies to --scenario frames only");
                }
                frames.serving(model);
            }
            if (frameFormat != null) {
                if (!(workload instanceof dev.edgeinfer.cli.bench.FrameBenchScenario frames)) {
                    throw new IllegalArgumentException("--frame-format applies to --scenario frames only");
                }
                frames.encoding(frameFormat);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        double rate = this.rate != null ? this.rate : workload.defaultRate();
        long backlog = this.backlog != null ? this.backlog : workload.defaultBacklog();
        // batch.max-size / batch.max-delay are shared options: the same defaults for every scenario.
        int batch = batchSize != null ? batchSize : SensorBenchScenario.defaultBatchSize();
        Duration delay = batchDelay != null ? batchDelay : SensorBenchScenario.defaultBatchDelay();
        if (!(rate > 0) || local.parallelism < 1 || batch < 1 || backlog < 1 || duration.isNegative() || duration.isZero()
                || delay.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rate, --parallelism, --batch-size, --backlog and --duration must be positive");
        }
        BenchReport report = new BenchRunner(
                new BenchRunner.Settings(scenario, rate, duration, local.parallelism, batch, delay, devices, warmup, backlog,
                        bareOrtDuration, !local.noRollover, local.rolloverLead, drainTimeout, bucket, local.workDir, local.seed, modelSize),
                System.out).runWith(workload);
        Path chartFile = chart;
        if (chartFile == null) {
            chartFile = json != null ? siblingPng(json) : Path.of("edgeinfer-bench.png");
        }
        if (json != null) {
            report.writeTo(json);
            System.out.println("  report  " + json.toAbsolutePath());
        }
        BenchChart.write(report, chartFile);
        System.out.println("  chart   " + chartFile.toAbsolutePath());
        return 0;
    }

    private int rollovers() throws Exception {
        double rate = this.rate != null ? this.rate : new SensorBenchScenario().defaultRate() / 4;
        if (count < 1 || !(rate > 0) || local.parallelism < 1 || rolloverInterval.toMillis() < 200) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--count, --rate and --parallelism must be positive and --rollover-interval at least 200ms");
        }
        RolloverReport report = new RolloverBench(new RolloverBench.Settings(count, rate, rolloverInterval,
                local.rolloverLead, local.parallelism, batchSize != null ? batchSize : SensorBenchScenario.defaultBatchSize(),
                batchDelay != null ? batchDelay : SensorBenchScenario.defaultBatchDelay(), devices, drainTimeout,
                local.workDir, local.seed), System.out).run();
        Path chartFile = chart != null ? chart : json != null ? siblingPng(json) : Path.of("edgeinfer-bench-rollovers.png");
        if (json != null) {
            report.writeTo(json);
            System.out.println("  report  " + json.toAbsolutePath());
        }
        BenchChart.writeRollovers(report, chartFile);
        System.out.println("  chart   " + chartFile.toAbsolutePath());
        return report.summary().passed() ? 0 : 1;
    }

    /** {@code /tmp/b.json} -> {@code /tmp/b.png}. */
    static Path siblingPng(Path json) {
        String name = json.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return json.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".png");
    }
}

package dev.edgeinfer.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer bench --json FILE} writes. Field names are a contract (CI and scripts
 * read them): add fields, never rename. Latencies are milliseconds; throughputs are inferences
 * per second in the scenario's {@code unit} (sensor: windows/s; one window per
 * {@code settings.inputsPerInference} readings).
 */
public record BenchReport(
        String scenario,
        String unit,
        BareOrt bareOrt,
        Passthrough passthrough,
        Pipeline pipeline,
        Rollover rollover,
        Ratios ratios,
        Targets targets,
        Machine machine,
        Settings settings,
        List<Series> series) {

    /**
     * Bare ONNX Runtime: the same model, translator, batch size and thread count, nothing else;
     * run once before the jobs and once after them, so drift of a shared machine during the run
     * moves the baseline as it moves the jobs.
     *
     * @param throughput inferences/s at saturation (all threads), both runs together
     * @param batchMicros time per predict call, microseconds, both runs
     * @param throughputBefore the run before the jobs
     * @param throughputAfter the run after the jobs
     */
    public record BareOrt(double throughput, long inferences, double seconds, int threads, int batchSize,
            BenchMath.Stats batchMicros, double throughputBefore, double throughputAfter) {}

    /**
     * Kafka → Flink (source, parse, sink) → Kafka, no model.
     *
     * @param p50 latency at the requested rate, ms (after warm-up)
     * @param p99 likewise
     * @param throughput records/s the plumbing drained from a backlog (its ceiling)
     */
    public record Passthrough(double p50, double p99, double p999, double max, long samples, double throughput,
            long backlogRecords) {}

    /**
     * The full pipeline.
     *
     * @param throughput inferences/s sustained at saturation: drain rate of a preloaded backlog,
     *     between 10% and 90% of its outputs
     * @param inputThroughput the same in input records/s ({@code throughput * inputsPerInference})
     * @param p50 latency at the requested rate, ms, after warm-up (rollover included)
     * @param p99 likewise
     * @param lost expected outputs of the open-loop phase never seen
     * @param misrouted outputs whose version differs from what the release timeline assigns
     */
    public record Pipeline(double throughput, double inputThroughput, double p50, double p99, double p999, double max,
            long samples, long backlogRecords, boolean backlogComplete, long expectedOutputs, long lost, long duplicates,
            long misrouted, Map<String, Long> perVersion, double generatorMaxBehindMs) {}

    /**
     * The switch from v1 to v2 during the open-loop phase.
     *
     * @param p99Window p99 of outputs whose event time is within {@code windowMs/2} of the switch
     * @param p99Steady p99 of the other outputs after warm-up
     * @param p99Staging p99 of outputs within {@code windowMs/2} after v2 was published (it loads then)
     * @param activateAtSeconds switch time, seconds after the phase started (event time)
     * @param publishedAtSeconds publication time, seconds after the phase started
     */
    public record Rollover(double p99Window, double p99Steady, double p99Staging, String fromVersion, String toVersion,
            double activateAtSeconds, double publishedAtSeconds, long windowMs, long samplesWindow, long samplesSteady) {}

    /**
     * @param throughputVsBareOrt pipeline throughput / bare ORT throughput
     * @param p99VsPassthrough pipeline p99 / pass-through p99
     * @param rolloverP99 rollover window p99 / steady p99
     */
    public record Ratios(double throughputVsBareOrt, double p99VsPassthrough, double rolloverP99) {}

    /** The targets and whether this run met them (p99 in ms, ratios as limits). */
    public record Targets(double p99LimitMs, boolean p99Met, double p99VsPassthroughLimit, boolean p99VsPassthroughMet,
            double rolloverP99Limit, boolean rolloverP99Met) {}

    public record Machine(int cores, String jvm, String jvmVendor, String os, String arch, long maxHeapMb) {
        static Machine current() {
            return new Machine(Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    System.getProperty("java.vendor"), System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("os.arch"), Runtime.getRuntime().maxMemory() >> 20);
        }
    }

    /**
     * @param modelSize an image model's square input in pixels ({@code --model-size}); null for the sensor model
     * @param frameFormat how frames were encoded ({@code --frame-format}: jpeg or rgb); null for the sensor model
     */
    public record Settings(double rate, double durationSeconds, int parallelism, int batchSize, long batchDelayMs,
            boolean operatorBatching, int devices, double warmupSeconds, long backlogRecords, double bareOrtSeconds,
            double rolloverLeadSeconds, boolean rollover, double inputsPerInference, String deliveryGuarantee,
            String onnx, long bucketMs, long seed, Integer modelSize, String frameFormat) {

        public Settings(double rate, double durationSeconds, int parallelism, int batchSize, long batchDelayMs,
                boolean operatorBatching, int devices, double warmupSeconds, long backlogRecords, double bareOrtSeconds,
                double rolloverLeadSeconds, boolean rollover, double inputsPerInference, String deliveryGuarantee,
                String onnx, long bucketMs, long seed) {
            this(rate, durationSeconds, parallelism, batchSize, batchDelayMs, operatorBatching, devices, warmupSeconds,
                    backlogRecords, bareOrtSeconds, rolloverLeadSeconds, rollover, inputsPerInference, deliveryGuarantee,
                    onnx, bucketMs, seed, null, null);
        }
    }

    /** Latency over time for the chart: one point per bucket (seconds after the phase start). */
    public record Series(String name, List<BenchMath.Bucket> buckets) {}

    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void writeTo(Path file) throws IOException {
        writeJson(this, file);
    }

    /** Writes any bench report as indented JSON, creating the file's folder if needed. */
    static void writeJson(Object report, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writeValueAsString(report));
    }

    /** The ratios from the three measurements. */
    static Ratios ratios(BareOrt bare, Passthrough pass, Pipeline pipe, Rollover roll) {
        return new Ratios(
                BenchMath.ratio(pipe.throughput(), bare.throughput()),
                BenchMath.ratio(pipe.p99(), pass.p99()),
                roll == null ? 0 : BenchMath.ratio(roll.p99Window(), roll.p99Steady()));
    }

    /** Judges a run against the sensor targets: p99 <= 10 ms and <= 1.5x pass-through; rollover <= 1.2x steady. */
    static Targets targets(Pipeline pipe, Ratios r, boolean rollover) {
        return targets(pipe, r, rollover, 10.0);
    }

    /**
     * Judges a run against a scenario's p99 target ({@link BenchScenario#p99TargetMs()}: sensor
     * 10 ms, frames 50 ms), p99 <= 1.5x pass-through and rollover window p99 <= 1.2x steady.
     */
    static Targets targets(Pipeline pipe, Ratios r, boolean rollover, double p99LimitMs) {
        return new Targets(p99LimitMs, pipe.p99() > 0 && pipe.p99() <= p99LimitMs, 1.5,
                r.p99VsPassthrough() > 0 && r.p99VsPassthrough() <= 1.5,
                1.2, !rollover || (r.rolloverP99() > 0 && r.rolloverP99() <= 1.2));
    }
}

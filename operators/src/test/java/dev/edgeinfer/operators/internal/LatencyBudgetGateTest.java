package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.CHANNELS;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.WINDOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.model.OnnxModelHandlerFactory;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.operators.testutils.TestingOnnxModels;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link LatencyBudgetGate} inside a real {@link ModelStager}: real ONNX files (a fast linear
 * scorer and a deliberately slow chain of large MatMuls), ONNX Runtime, the model cache.
 */
class LatencyBudgetGateTest {

    private static final String MODEL = "sensor-anomaly";
    /** The linear scorers take about a millisecond of CPU per batch at most, the slow model some 60 ms ({@link TestingOnnxModels#slowSensorModel}). */
    private static final long BUDGET_NANOS = 10_000_000L;
    private static final int BATCH = 8;

    @TempDir Path dir;

    private final SensorAnomalyAdapter adapter = new SensorAnomalyAdapter(CHANNELS, WINDOW);
    private final List<ModelStager<SensorWindow, Float>> stagers = new ArrayList<>();
    private int openBefore;

    @BeforeEach
    void forgetChoices() {
        SharedSelections.clear();
        openBefore = OnnxModelRunner.openRunners();
    }

    @AfterEach
    void nothingLeaks() {
        stagers.forEach(ModelStager::close);
        assertThat(OnnxModelRunner.openRunners()).as("ONNX sessions left open").isEqualTo(openBefore);
    }

    private ModelStager<SensorWindow, Float> stager(long budgetNanos, String scope) throws Exception {
        List<SensorWindow> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(adapter.warmupBatch().get(i % adapter.warmupBatch().size()));
        }
        ModelStager<SensorWindow, Float> stager = new ModelStager<>(
                new OnnxModelHandlerFactory<>(adapter, new OnnxRunnerOptions(1, 1, "ALL_OPT", 1)),
                ModelStore.open(dir.resolve("cache"), 64 << 20, 0), new FileModelFetcher(), "testing-stager",
                dev.edgeinfer.operators.model.StagingLimits.DEFAULTS, 60_000,
                new InferenceMetrics(new UnregisteredMetricsGroup(), MODEL, () -> 0, () -> 0),
                new LatencyBudgetGate<>(budgetNanos, batch, scope, HardwareProfile.local(), true));
        stagers.add(stager);
        return stager;
    }

    private ModelRelease single(String version, Path file) throws Exception {
        return ReleaseFactory.fromFile(MODEL, version, file, 1_000, 100, "tester", 1);
    }

    private static ModelVariant variant(String kind, Path file, List<String> flags, double fidelity) throws Exception {
        return new ModelVariant(kind, Sha256.of(file), file.toUri().toString(), Files.size(file), flags,
                ModelVariant.CPU, fidelity);
    }

    /** Reference: the slow model (fidelity 1); a fast variant (0.97); a more faithful one no CPU has the flag for. */
    private ModelRelease threeVariants(Path fast) throws Exception {
        Path slow = TestingOnnxModels.slowSensorModel(dir.resolve("slow.onnx"));
        ModelRelease reference = single("v2", slow);
        return reference.toBuilder()
                .variants(List.of(variant("fp32", slow, List.of(), 1.0), variant("int8", fast, List.of(), 0.97),
                        variant("int8-exotic", fast.resolveSibling("fast-copy.onnx"), List.of("edgeinfer_no_such_cpu_flag"),
                                0.99)))
                .build();
    }

    private Path fastModels() throws Exception {
        Path fast = TestingOnnxModels.sensorModel(dir.resolve("fast.onnx"), 0.25f);
        TestingOnnxModels.sensorModel(dir.resolve("fast-copy.onnx"), 0.5f);
        return fast;
    }

    @Test
    void theMostFaithfulVariantWithinTheBudgetServesAndResultsNameItsSha256() throws Exception {
        Path fast = fastModels();
        ModelRelease release = threeVariants(fast);
        ModelStager<SensorWindow, Float> stager = stager(BUDGET_NANOS, "job");

        ModelStager.Staged<SensorWindow, Float> staged = stager.stage(release, false);
        ModelHandler<SensorWindow, Float> handler = stager.await(staged);

        assertThat(handler).as("staged").isNotNull();
        ModelId servedBy = LatencyBudgetGate.servedId(handler, release);
        assertThat(servedBy).isEqualTo(ModelId.of(MODEL, "v2", Sha256.of(fast)));
        SensorWindow w = TestingOnnxModels.window("dev-1", 5);
        assertThat((double) handler.predict(List.of(w)).get(0))
                .isCloseTo(TestingOnnxModels.expectedScore(w, 0.25f), org.assertj.core.data.Offset.offset(1e-5));
        String detail = LatencyBudgetGate.choiceDetail(handler);
        assertThat(detail).contains("\"chosen\":{\"kind\":\"int8\"")
                .contains("\"kind\":\"int8-exotic\"", "\"outcome\":\"UNSUPPORTED_HARDWARE\"")
                .contains("\"kind\":\"fp32\"", "\"outcome\":\"OVER_BUDGET\"")
                .contains("\"batchSize\":" + BATCH);
    }

    @Test
    void allStagersOfOneJobInAJvmShareOneChoiceMeasuredOnce() throws Exception {
        AtomicInteger measured = new AtomicInteger();
        VariantSelection first = SharedSelections.choose("k", () -> {
            measured.incrementAndGet();
            return new VariantSelection(null, 1, 1, "hw", "wall", List.of());
        });
        VariantSelection second = SharedSelections.choose("k", () -> {
            measured.incrementAndGet();
            return new VariantSelection(null, 2, 2, "hw", "wall", List.of());
        });
        assertThat(second).isSameAs(first);
        assertThat(measured).hasValue(1);

        Path fast = fastModels();
        ModelRelease release = threeVariants(fast);
        ModelHandler<SensorWindow, Float> a = stager(BUDGET_NANOS, "job").await(stagers.get(0).stage(release, false));
        ModelHandler<SensorWindow, Float> b = stager(BUDGET_NANOS, "job").await(stagers.get(1).stage(release, false));
        assertThat(LatencyBudgetGate.choiceDetail(b)).isEqualTo(LatencyBudgetGate.choiceDetail(a));
        assertThat(b).as("each subtask has its own session").isNotSameAs(a);
    }

    @Test
    void whenNoVariantFitsTheReleaseIsRejectedForTheLatencyBudget() throws Exception {
        Path slow = TestingOnnxModels.slowSensorModel(dir.resolve("slow.onnx"));
        ModelStager<SensorWindow, Float> stager = stager(BUDGET_NANOS, "job");

        ModelStager.Staged<SensorWindow, Float> staged = stager.stage(single("v9", slow), false);

        assertThat(stager.await(staged)).isNull();
        Optional<ModelStager.Rejection> rejection = stager.reject(staged);
        assertThat(rejection).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("LATENCY_BUDGET");
            assertThat(r.detail()).contains("\"outcome\":\"OVER_BUDGET\"", "\"chosen\":null");
        });
        // The same gate lets a fast single file through.
        Path fast = TestingOnnxModels.sensorModel(dir.resolve("fast.onnx"), 0.25f);
        assertThat(stager.await(stager.stage(single("v1", fast), false))).isNotNull();
    }

    @Test
    void withoutABudgetTheMostFaithfulRunnableVariantServesUnmeasured() throws Exception {
        Path fast = fastModels();
        ModelRelease release = threeVariants(fast);
        ModelStager<SensorWindow, Float> stager = stager(0, "job");

        ModelHandler<SensorWindow, Float> handler = stager.await(stager.stage(release, false));

        assertThat(LatencyBudgetGate.servedId(handler, release).sha256()).isEqualTo(release.sha256());
        assertThat(LatencyBudgetGate.choiceDetail(handler)).contains("\"chosen\":{\"kind\":\"fp32\"")
                .doesNotContain("p99Ms");
    }

    @Test
    void aVariantWhoseBytesWereTamperedWithRejectsTheWholeRelease() throws Exception {
        Path fast = fastModels();
        ModelRelease release = threeVariants(fast);
        byte[] bytes = Files.readAllBytes(fast);
        bytes[bytes.length / 2] ^= 0x55; // same size, other bytes: after its sha256 was signed into the release
        Files.write(fast, bytes);
        ModelStager<SensorWindow, Float> stager = stager(BUDGET_NANOS, "job");

        ModelStager.Staged<SensorWindow, Float> staged = stager.stage(release, false);

        assertThat(stager.await(staged)).isNull();
        assertThat(stager.reject(staged)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo("CHECKSUM_MISMATCH"));
    }

    @Test
    void cpuFlagsComeFromProcCpuinfoOnX86AndArm() {
        assertThat(HardwareProfile.parseFlags(List.of("processor : 0", "flags : fpu avx2 avx512_vnni", "bugs : x")))
                .containsExactlyInAnyOrder("fpu", "avx2", "avx512_vnni");
        assertThat(HardwareProfile.parseFlags(List.of("processor : 0", "Features : fp asimd asimddp")))
                .contains("asimddp");
        assertThat(HardwareProfile.field(List.of("processor : 0", "model name : AMD EPYC 7763", "flags : fpu"), "model name"))
                .isEqualTo("AMD EPYC 7763");
        assertThat(HardwareProfile.field(List.of("Features : fp asimd"), "model name")).isNull();
        ModelVariant vnni = new ModelVariant("int8", Sha256.of(new byte[] {1}), "file:///a", 1,
                List.of("avx512_vnni", "avx_vnni", "asimddp"), ModelVariant.CPU, 0.99);
        assertThat(vnni.runsOn(Set.of("avx2"), Set.of(ModelVariant.CPU))).as("AVX2 without VNNI").isFalse();
        assertThat(vnni.runsOn(Set.of("asimd", "asimddp"), Set.of(ModelVariant.CPU))).isTrue();
        assertThat(vnni.runsOn(Set.of("avx512_vnni"), Set.of("cuda"))).as("no CPU provider").isFalse();
    }

    @Test
    void p99IsTheNearestRankOfTheRuns() {
        long[] runs = new long[100];
        for (int i = 0; i < 100; i++) {
            runs[i] = (i + 1) * 1_000_000L;
        }
        assertThat(LatencyBudgetGate.p99Millis(runs, 100)).isEqualTo(99.0);
        assertThat(LatencyBudgetGate.p99Millis(runs, 30)).as("<= 100 runs: the slowest").isEqualTo(30.0);
        assertThat(LatencyBudgetGate.OVER_BUDGET_RUNS_ALLOWED).isEqualTo(2);
    }
}

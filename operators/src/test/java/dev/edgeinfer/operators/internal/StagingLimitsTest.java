package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory.TestingModelHandler;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@link ModelStager} and {@link StagingQueue}: stagings by need, bounded in number and time. */
class StagingLimitsTest {

    private static final String MODEL = "sensor-anomaly";

    @TempDir Path dir;

    private final TestingModelHandlerFactory factory = new TestingModelHandlerFactory();
    private final InferenceMetrics metrics = new InferenceMetrics(new UnregisteredMetricsGroup(), MODEL, () -> 0, () -> 0);
    private ModelStager<String, String> stager;

    @AfterEach
    void closeStager() {
        stager.close();
    }

    private ModelStager<String, String> stager(Duration loadLimit, int concurrency) throws Exception {
        ModelStore store = ModelStore.open(dir.resolve("cache"), 1 << 20, 0);
        StagingLimits limits =
                new StagingLimits(Duration.ofSeconds(30), loadLimit, Duration.ofSeconds(30), 1 << 20, concurrency);
        stager = new ModelStager<>(factory, store, new FileModelFetcher(), "testing-stager", limits, 30_000, metrics,
                LatencyBudgetGate.unbounded());
        return stager;
    }

    @Test
    void queuedReleasesStageInTheOrderTheirActivationsNeedThemAndOneARecordWaitsForFirst() throws Exception {
        stager(Duration.ofSeconds(30), 1);
        CountDownLatch blocker = factory.gate("v0");
        ModelStager.Staged<String, String> current = stager.stage(release("v0", "current", 0), false);
        ModelStager.Staged<String, String> later = stager.stage(release("later", "due later", 60_000), false);
        ModelStager.Staged<String, String> sooner = stager.stage(release("sooner", "due sooner", 12_000), false);
        ModelStager.Staged<String, String> late = stager.stage(release("v-late", "for a late record", 50_000), true);

        blocker.countDown();
        for (ModelStager.Staged<String, String> staged : List.of(later, sooner, late, current)) {
            assertThat(stager.await(staged)).isNotNull();
        }

        assertThat(factory.loadedFiles())
                .as("not the order they arrived in")
                .containsExactly("current", "for a late record", "due sooner", "due later");
    }

    @Test
    void aStuckLoadIsRejectedAsLoadTimeoutFreesItsSlotAndIsClosedWhenItReturns() throws Exception {
        stager(Duration.ofMillis(300), 1);
        CountDownLatch stuck = factory.gate("expensive");
        ModelStager.Staged<String, String> expensive = stager.stage(release("expensive", "stuck", 3_600_000), false);
        awaitStarted("expensive");
        ModelStager.Staged<String, String> sooner = stager.stage(release("sooner", "due sooner", 12_000), false);

        assertThat(stager.await(sooner).predict(List.of("a"))).as("not delayed past the limit").containsExactly("sooner:a");
        assertThat(stager.await(expensive)).isNull();
        assertThat(stager.reject(expensive)).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("LOAD_TIMEOUT");
            assertThat(r.detail()).contains("load time limit");
        });

        stuck.countDown();
        TestingModelHandler abandoned = awaitHandler("expensive");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (abandoned.closes() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(abandoned.closes()).as("an abandoned load is closed, never leaked").isEqualTo(1);
    }

    @Test
    void aReleaseDeclaringAnotherSizeForCachedBytesGetsItsOwnVerdict() throws Exception {
        stager(Duration.ofSeconds(30), 2);
        ModelRelease good = release("v1", "shared bytes", 0);
        ModelRelease wrongSize = good.toBuilder().version("v2").activateAt(1_000).sizeBytes(good.sizeBytes() - 3).build();

        assertThat(stager.await(stager.stage(good, false))).isNotNull();
        ModelStager.Staged<String, String> bad = stager.stage(wrongSize, false);

        assertThat(stager.await(bad)).as("the cached bytes do not make a wrong size right").isNull();
        assertThat(stager.reject(bad)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo("TOO_LARGE"));
    }

    private void awaitStarted(String version) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!factory.started().contains(version) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(factory.started()).contains(version);
    }

    private TestingModelHandler awaitHandler(String version) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (TestingModelHandler h : factory.handlers()) {
                if (h.version().equals(version)) {
                    return h;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no handler of " + version + " was ever created");
    }

    private ModelRelease release(String version, String bytes, long activateAt) throws Exception {
        Path file = dir.resolve(bytes.replaceAll("\\W", "_") + ".onnx");
        Files.writeString(file, bytes);
        return ModelRelease.builder().model(MODEL).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(activateAt).metadata(Map.of())
                .publisher("test").publishedAt(1L).build();
    }
}

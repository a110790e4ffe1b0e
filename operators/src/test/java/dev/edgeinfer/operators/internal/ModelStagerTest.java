package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static dev.edgeinfer.operators.testutils.TestingOnnxModels.signatureWithInputWidth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory.TestingModelHandler;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@link ModelStager} with {@link TestingModelHandlerFactory}: no ONNX, real files and model cache. */
class ModelStagerTest {

    private static final String MODEL = "sensor-anomaly";

    @TempDir Path dir;

    private final TestingModelHandlerFactory factory = new TestingModelHandlerFactory();
    private final InferenceMetrics metrics = new InferenceMetrics(new UnregisteredMetricsGroup(), MODEL, () -> 0, () -> 0);
    private ModelStager<String, String> stager;

    @BeforeEach
    void openStager() throws Exception {
        stager = stager(30_000);
    }

    @AfterEach
    void closeStager() {
        stager.close();
    }

    private ModelStager<String, String> stager(long loadTimeoutMillis) throws Exception {
        ModelStore store = ModelStore.open(dir.resolve("cache"), 1 << 20, 0);
        return new ModelStager<>(factory, store, new FileModelFetcher(), "testing-stager", loadTimeoutMillis, metrics);
    }

    @Test
    void aStagedReleaseGetsAHandlerLoadedFromItsVerifiedBytes() throws Exception {
        ModelRelease v1 = release("v1", "bytes of v1", 0, sensorSignature(), Map.of());

        ModelStager.Staged<String, String> staged = stager.stage(v1, false);
        ModelHandler<String, String> handler = stager.await(staged);

        assertThat(handler.predict(List.of("a"))).containsExactly("v1:a");
        assertThat(factory.loadedFiles()).containsExactly("bytes of v1");
        assertThat(staged.isReady()).isTrue();
        assertThat(stager.stage(v1, false)).as("staged once").isSameAs(staged);
        assertThat(stager.finishedUnreported()).containsExactly(staged);
        assertThat(stager.markReported(staged)).isTrue();
        assertThat(stager.markReported(staged)).isFalse();
        assertThat(stager.finishedUnreported()).isEmpty();
    }

    @Test
    void releasesOfTheSameBytesSourceAndMetadataShareOneHandler() throws Exception {
        ModelRelease v1 = release("v1", "shared", 0, sensorSignature(), Map.of());
        ModelRelease rollback = release("v1-again", "shared", 2_000, sensorSignature(), Map.of());
        ModelRelease relabelled = release("v1-labels", "shared", 3_000, sensorSignature(), Map.of("labels", "a,b"));

        ModelHandler<String, String> first = stager.await(stager.stage(v1, false));
        ModelHandler<String, String> second = stager.await(stager.stage(rollback, false));
        ModelHandler<String, String> third = stager.await(stager.stage(relabelled, false));

        assertThat(second).isSameAs(first);
        assertThat(third).as("other metadata: another translator, another load").isNotSameAs(first);
        assertThat(factory.handlers()).hasSize(2);
    }

    @Test
    void aWrongDeclaredSignatureRejectsOnlyItsOwnReleaseNotOthersOfTheSameBytes() throws Exception {
        ModelRelease good = release("v1", "shared", 0, sensorSignature(), Map.of());
        ModelRelease bad = release("v2", "shared", 1_000, signatureWithInputWidth(7), Map.of());

        ModelStager.Staged<String, String> badStaged = stager.stage(bad, false);
        assertThat(stager.await(badStaged)).isNull();
        assertThat(stager.reject(badStaged)).hasValueSatisfying(r -> {
            assertThat(r.release()).isEqualTo(bad);
            assertThat(r.reason()).isEqualTo("SIGNATURE_MISMATCH");
            assertThat(r.detail()).contains("differs from the declared one");
        });

        assertThat(stager.await(stager.stage(good, false)).predict(List.of("a"))).containsExactly("v1:a");
        assertThat(stager.size()).isEqualTo(1);
    }

    @Test
    void aLoadFailureIsARejectionWithTheLoadersReasonAndClosesNothingTwice() throws Exception {
        factory.failing("v2", ModelLoadException.Reason.NOT_ONNX);
        ModelRelease v2 = release("v2", "bytes of v2", 1_000, sensorSignature(), Map.of());

        ModelStager.Staged<String, String> staged = stager.stage(v2, false);

        assertThat(stager.await(staged)).isNull();
        assertThat(staged.isFailed()).isTrue();
        assertThat(stager.reject(staged)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo("NOT_ONNX"));
        assertThat(stager.size()).isZero();
    }

    @Test
    void bytesThatDoNotMatchTheReleasesSha256AreRejectedAsAFetchFailure() throws Exception {
        ModelRelease v1 = release("v1", "original", 0, sensorSignature(), Map.of());
        Files.writeString(Path.of(java.net.URI.create(v1.uri())), "tampered");

        ModelStager.Staged<String, String> staged = stager.stage(v1, false);

        assertThat(stager.await(staged)).isNull();
        assertThat(stager.reject(staged)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo("CHECKSUM_MISMATCH"));
        assertThat(factory.loadedFiles()).as("never loaded").isEmpty();
    }

    @Test
    void anUnexpectedLoadFailureFailsLoudlyInsteadOfRejecting() throws Exception {
        factory.crashing("v1", new IllegalStateException("engine bug"));
        ModelStager.Staged<String, String> staged = stager.stage(release("v1", "bytes", 0, sensorSignature(), Map.of()), false);

        assertThat(stager.await(staged)).isNull();
        assertThatThrownBy(() -> stager.reject(staged))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed unexpectedly")
                .hasRootCauseMessage("engine bug");
    }

    @Test
    void waitingLongerThanTheLoadTimeoutFailsNamingTheModelAndALateLoadIsClosedOnClose() throws Exception {
        ModelStager<String, String> slow = stager(50);
        CountDownLatch gate = factory.gate("v1");
        ModelStager.Staged<String, String> staged = slow.stage(release("v1", "bytes", 0, sensorSignature(), Map.of()), false);

        assertThatThrownBy(() -> slow.await(staged))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("still loading after 50 ms");
        assertThat(metrics.loadWaitMillis.getCount()).isGreaterThanOrEqualTo(50);

        slow.close();
        gate.countDown();
        awaitHandlers(1);
        TestingModelHandler late = factory.handlers().get(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (late.closes() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(late.closes()).as("closed once it finished loading").isEqualTo(1);
    }

    @Test
    void retiringClosesAHandlerOnlyWhenNoStagedReleaseUsesItAnyMore() throws Exception {
        ModelRelease v1 = release("v1", "shared", 0, sensorSignature(), Map.of());
        ModelRelease v2 = release("v2", "other", 1_000, sensorSignature(), Map.of());
        ModelRelease v3 = release("v3", "shared", 2_000, sensorSignature(), Map.of());
        ModelStager.Staged<String, String> s1 = stager.stage(v1, false);
        stager.await(s1);
        stager.await(stager.stage(v2, false));
        stager.await(stager.stage(v3, false));
        TestingModelHandler shared = (TestingModelHandler) s1.handler();

        List<ModelStager.Staged<String, String>> retired =
                stager.retireAllBut(Set.of(v2.releaseId(), v3.releaseId()), Set.of());

        assertThat(retired).containsExactly(s1);
        assertThat(shared.closes()).as("v3 still uses the same bytes").isZero();
        stager.retireAllBut(Set.of(v2.releaseId()), Set.of());
        assertThat(shared.closes()).isEqualTo(1);
        assertThat(stager.size()).isEqualTo(1);
    }

    @Test
    void stagingAReleaseThatServedAndRetiredForARecordIsACountedReload() throws Exception {
        ModelRelease v1 = release("v1", "bytes", 0, sensorSignature(), Map.of());
        ModelStager.Staged<String, String> first = stager.stage(v1, true);
        stager.await(first);
        assertThat(first.reload).isFalse();
        assertThat(stager.markServed(first)).isTrue();
        assertThat(stager.markServed(first)).isFalse();
        stager.retireAllBut(Set.of(), Set.of());

        ModelStager.Staged<String, String> again = stager.stage(v1, true);

        assertThat(again.reload).isTrue();
        assertThat(metrics.reloadsForLateRecords.getCount()).isEqualTo(1);
        assertThat(stager.await(again).predict(List.of("late"))).containsExactly("v1:late");
    }

    @Test
    void closingClosesEveryHandlerExactlyOnce() throws Exception {
        stager.await(stager.stage(release("v1", "one", 0, sensorSignature(), Map.of()), false));
        stager.await(stager.stage(release("v2", "two", 1_000, sensorSignature(), Map.of()), false));

        stager.close();
        stager.close();

        assertThat(factory.handlers()).extracting(TestingModelHandler::closes).containsExactly(1, 1);
    }

    private void awaitHandlers(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (factory.handlers().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(factory.handlers()).hasSize(count);
    }

    private ModelRelease release(String version, String bytes, long activateAt, ModelSignature signature,
            Map<String, String> metadata) throws Exception {
        Path file = dir.resolve(bytes.replaceAll("\\W", "_") + ".onnx");
        Files.writeString(file, bytes);
        return ModelRelease.builder().model(MODEL).version(version).sha256(Sha256.of(file)).uri(file.toUri().toString())
                .sizeBytes(Files.size(file)).signature(signature).activateAt(activateAt).metadata(metadata)
                .publisher("test").publishedAt(1L).build();
    }
}

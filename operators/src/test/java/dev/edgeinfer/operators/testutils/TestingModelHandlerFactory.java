package dev.edgeinfer.operators.testutils;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.model.ModelHandlerFactory;
import dev.edgeinfer.operators.runtime.ModelLoadException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link ModelHandlerFactory} without any engine: its handlers "predict" {@code version:record}
 * and report the sensor models' signature ({@code features[-1, 32] -> score[-1, 1]}) unless told
 * otherwise. Per version it can fail with a {@link ModelLoadException}, throw an unexpected
 * exception, load a handler whose every {@code predict} throws, or block until a test opens its gate (interrupts do not cut that short, as they
 * often do not cut a native load short, so a test can watch a load finish after a close). Records every load (with the file's text) and
 * counts closes, so a test can prove each handler is closed exactly once. In-JVM only: the
 * handlers and gates are not meant to be serialized.
 */
public final class TestingModelHandlerFactory implements ModelHandlerFactory<String, String> {

    private static final long serialVersionUID = 1L;

    /** The signature of {@code TestingOnnxModels.sensorModel}. */
    public static final ModelSignature SENSOR_SIGNATURE = new ModelSignature(
            List.of(new TensorSpec("features", new long[] {-1, TestingOnnxModels.FEATURES})),
            List.of(new TensorSpec("score", new long[] {-1, 1})));

    private final transient Map<String, ModelLoadException.Reason> failures = new ConcurrentHashMap<>();
    private final transient Map<String, RuntimeException> crashes = new ConcurrentHashMap<>();
    private final transient Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final transient Map<String, RuntimeException> predictErrors = new ConcurrentHashMap<>();
    private final transient List<String> loadedFiles = Collections.synchronizedList(new ArrayList<>());
    private final transient List<String> started = Collections.synchronizedList(new ArrayList<>());
    private final transient List<TestingModelHandler> handlers = Collections.synchronizedList(new ArrayList<>());

    /** Loading {@code version} fails with {@code reason}. */
    public TestingModelHandlerFactory failing(String version, ModelLoadException.Reason reason) {
        failures.put(version, reason);
        return this;
    }

    /** Loading {@code version} throws {@code error} (not a verdict on the model). */
    public TestingModelHandlerFactory crashing(String version, RuntimeException error) {
        crashes.put(version, error);
        return this;
    }

    /** {@code version} loads, but every prediction of its handler throws {@code error}. */
    public TestingModelHandlerFactory predictFailing(String version, RuntimeException error) {
        predictErrors.put(version, error);
        return this;
    }

    /** Loading {@code version} blocks until the returned gate is counted down. */
    public CountDownLatch gate(String version) {
        return gates.computeIfAbsent(version, v -> new CountDownLatch(1));
    }

    @Override
    public ModelHandler<String, String> load(ModelRelease release, Path modelFile) throws ModelLoadException {
        started.add(release.version());
        CountDownLatch gate = gates.get(release.version());
        boolean interrupted = false;
        while (gate != null && gate.getCount() > 0) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                interrupted = true; // like a blocking load: finishes anyway (see the class comment)
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            loadedFiles.add(Files.readString(modelFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelLoadException.Reason failure = failures.get(release.version());
        if (failure != null) {
            throw new ModelLoadException(release.modelId(), modelFile, failure, "told to fail");
        }
        RuntimeException crash = crashes.get(release.version());
        if (crash != null) {
            throw crash;
        }
        TestingModelHandler handler = new TestingModelHandler(release.version(), predictErrors.get(release.version()));
        handlers.add(handler);
        return handler;
    }

    /** The version of every load started, in start order. */
    public List<String> started() {
        return List.copyOf(started);
    }

    /** The text of every file loaded, in load order. */
    public List<String> loadedFiles() {
        return List.copyOf(loadedFiles);
    }

    /** Every handler created, in load order. */
    public List<TestingModelHandler> handlers() {
        return List.copyOf(handlers);
    }

    /** A handler that answers {@code version:record} and counts its closes. */
    public static final class TestingModelHandler implements ModelHandler<String, String> {
        private final String version;
        private final RuntimeException predictError;
        private volatile int closes;

        TestingModelHandler(String version, RuntimeException predictError) {
            this.version = version;
            this.predictError = predictError;
        }

        public String version() {
            return version;
        }

        public int closes() {
            return closes;
        }

        @Override
        public ModelSignature signature() {
            return SENSOR_SIGNATURE;
        }

        @Override
        public List<String> predict(List<String> records) {
            if (closes > 0) {
                throw new IllegalStateException("handler of " + version + " is closed");
            }
            if (predictError != null) {
                throw predictError;
            }
            return records.stream().map(r -> version + ":" + r).toList();
        }

        @Override
        public synchronized void close() {
            closes++;
        }
    }
}

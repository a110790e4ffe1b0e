package dev.edgeinfer.testutils;

import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real ONNX models built once per test JVM by the project's model factory. */
public final class TestingModels {

    private static final Map<String, BuiltModel> BUILT = new ConcurrentHashMap<>();
    private static Path dir;

    private TestingModels() {}

    public static BuiltModel v1() {
        return BUILT.computeIfAbsent("v1", v -> build(SensorModelSpec.v1()));
    }

    public static BuiltModel v2() {
        return BUILT.computeIfAbsent("v2", v -> build(SensorModelSpec.v2()));
    }

    /** The directory the models are built in (a job's {@code model.files-root}). */
    public static synchronized Path dir() {
        v1();
        return dir;
    }

    private static synchronized BuiltModel build(SensorModelSpec spec) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("edgeinfer-test-models");
                dir.toFile().deleteOnExit();
            }
            return SensorModelFactory.build(spec, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

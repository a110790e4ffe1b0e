package dev.edgeinfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The jar {@code flink run} ships to every TaskManager carries the jobs and what they need at run
 * time, and none of the tooling (CLI, demo, simulators, model training, benchmarks, the embedded
 * broker). Runs after {@code package}, with the integration tests, on {@code jobs/target/edgeinfer.jar}.
 */
class ClusterJobJarTest {

    /** Entry-name fragments of tooling that must never reach a cluster. */
    private static final List<String> TOOLING = List.of(
            "picocli",
            "tribuo",
            "HdrHistogram",
            "jfree",
            "kafka/server",
            "org/apache/kafka/metadata/",
            "org/apache/kafka/raft/",
            "scala/",
            "dev/edgeinfer/cli/",
            "dev/edgeinfer/simulation/",
            "dev/edgeinfer/kafka/embedded/",
            "dev/edgeinfer/testutils/");

    private static List<String> entries;

    @BeforeAll
    static void readJar() throws IOException {
        Path jar = Path.of(System.getProperty("edgeinfer.jobJar", "target/edgeinfer.jar"));
        assertThat(jar).as("the shaded job jar (built by `mvn package`)").exists();
        try (JarFile file = new JarFile(jar.toFile())) {
            entries = file.stream().map(ZipEntry::getName).toList();
        }
        System.out.printf("%s: %,d bytes, %,d entries%n", jar, Files.size(jar), entries.size());
    }

    @Test
    void carriesNoToolingClasses() {
        for (String fragment : TOOLING) {
            assertThat(entries)
                    .as("entries of the cluster job jar containing '%s'", fragment)
                    .noneMatch(name -> name.contains(fragment));
        }
    }

    @Test
    void carriesTheJobsTheControllerTheLibraryAndTheKafkaConnector() {
        assertThat(entries)
                .contains(
                        "dev/edgeinfer/jobs/sensor/SensorAnomalyJob.class",
                        "dev/edgeinfer/jobs/frames/FrameClassificationJob.class",
                        "dev/edgeinfer/jobs/controller/RolloutControllerJob.class",
                        "dev/edgeinfer/operators/VersionedInference.class",
                        "dev/edgeinfer/broadcast/release/ModelRelease.class",
                        "org/apache/flink/connector/kafka/source/KafkaSource.class",
                        "ai/djl/onnxruntime/engine/OrtEngine.class",
                        "ai/onnx/proto/OnnxMl.class");
    }

    @Test
    void carriesOnnxRuntimeNativesForLinuxOnly() {
        assertThat(entries).anyMatch(name -> name.startsWith("ai/onnxruntime/native/linux-x64/"));
        assertThat(entries).anyMatch(name -> name.startsWith("ai/onnxruntime/native/linux-aarch64/"));
        assertThat(entries).noneMatch(name -> name.startsWith("ai/onnxruntime/native/win-"));
        assertThat(entries).noneMatch(name -> name.startsWith("ai/onnxruntime/native/osx-"));
    }

    @Test
    void leavesFlinkItselfToTheCluster() {
        assertThat(entries).doesNotContain("org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class");
    }
}

package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.KafkaJobConfig;
import dev.edgeinfer.jobs.config.SensorJobConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Argument handling of {@code run}: which job, its configuration; nothing here connects to Kafka. */
class RunArgumentsTest {

    private static final String NOWHERE = "127.0.0.1:1";

    @TempDir Path dir;

    private KafkaJobConfig config(String... args) throws Exception {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        return run.config();
    }

    @Test
    void theSensorJobIsTheDefault() throws Exception {
        KafkaJobConfig config = config("--bootstrap", NOWHERE, "--work-dir", dir.toString(), "--parallelism", "3");
        assertThat(config).isInstanceOf(SensorJobConfig.class);
        assertThat(config.bootstrapServers()).isEqualTo(NOWHERE);
        assertThat(config.parallelism()).isEqualTo(3);
        assertThat(((SensorJobConfig) config).modelPath()).startsWith(dir.resolve("models"));
    }

    @Test
    void framesRunsTheFrameJobWithItsOwnDemoModelAndSettings() throws Exception {
        KafkaJobConfig config = config("--job", "frames", "--bootstrap", NOWHERE, "--work-dir", dir.toString(),
                "--set", "topic.frames=my.frames", "--set", "kafka.properties.security.protocol=SSL");
        assertThat(config).isInstanceOf(FrameJobConfig.class);
        FrameJobConfig frames = (FrameJobConfig) config;
        assertThat(frames.framesTopic()).isEqualTo("my.frames");
        assertThat(frames.model()).isNotNull();
        assertThat(frames.kafkaProperties()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void anUnknownJobFailsNamingItAndTheChoices() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true),
                "run", "--job", "videos", "--bootstrap", NOWHERE);
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--job").contains("videos").contains("sensor").contains("frames");
    }
}

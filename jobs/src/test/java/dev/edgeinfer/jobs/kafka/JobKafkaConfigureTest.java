package dev.edgeinfer.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.FrameJobConfig;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What every job's environment gets from {@link JobKafka#configure}. */
class JobKafkaConfigureTest {

    @Test
    void chainedOperatorsHandRecordsOnWithoutCopyingThem(@TempDir Path dir) throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), "bytes".getBytes(StandardCharsets.UTF_8));
        FrameJobConfig config = FrameJobConfig.from(Configuration.fromMap(Map.of(
                "kafka.bootstrap-servers", "localhost:9092", "model.version", "v1", "model.path", model.toString(),
                "parallelism", "3")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        JobKafka.configure(env, config);

        // Without object reuse a frame job copies each 150 KB frame once per chained operator.
        assertThat(env.getConfig().isObjectReuseEnabled()).isTrue();
        assertThat(env.getParallelism()).isEqualTo(3);
        assertThat(env.getCheckpointConfig().getCheckpointingConsistencyMode()).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(config.checkpointInterval().toMillis());
    }
}

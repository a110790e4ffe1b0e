package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Finding the checkpoint {@code run} resumes from in its state directory, with real Flink metadata files. */
class RetainedCheckpointsTest {

    private static final String RUN_1 = "0123456789abcdef0123456789abcdef";
    private static final String RUN_2 = "fedcba9876543210fedcba9876543210";

    @TempDir Path state;

    @Test
    void theNewestCompletedCheckpointAcrossRunsIsResumedFrom() throws Exception {
        checkpoint(RUN_1, 7, Instant.parse("2026-01-01T10:00:00Z"));
        checkpoint(RUN_2, 3, Instant.parse("2026-01-01T11:00:00Z"));
        checkpoint(RUN_2, 2, Instant.parse("2026-01-01T10:59:58Z"));

        Optional<RetainedCheckpoints.Completed> latest = new RetainedCheckpoints(state).latestCompleted();

        assertThat(latest).isPresent();
        assertThat(latest.get().id()).isEqualTo(3);
        assertThat(latest.get().dir()).isEqualTo(checkpointDir(RUN_2, 3));
    }

    @Test
    void aPartiallyWrittenMetadataFileFromACrashIsSkipped() throws Exception {
        checkpoint(RUN_1, 4, Instant.parse("2026-01-01T10:00:00Z"));
        Path partial = checkpoint(RUN_1, 5, Instant.parse("2026-01-01T10:00:02Z"));
        byte[] whole = Files.readAllBytes(partial);
        Files.write(partial, Arrays.copyOf(whole, whole.length / 2));
        Files.createDirectories(checkpointDir(RUN_1, 6)); // started, no _metadata yet

        assertThat(new RetainedCheckpoints(state).latestCompleted()).map(RetainedCheckpoints.Completed::id).hasValue(4L);
    }

    @Test
    void anEmptyOrMissingStateDirectoryHasNothingToResume() throws Exception {
        assertThat(new RetainedCheckpoints(state.resolve("never-created")).latestCompleted()).isEmpty();
        Files.createDirectories(state.resolve("checkpoints").resolve("not-a-job-id").resolve("chk-1"));
        assertThat(new RetainedCheckpoints(state).latestCompleted()).isEmpty();
    }

    @Test
    void runsLeftWithoutACompletedCheckpointAreRemovedAndFreshDeletesEverything() throws Exception {
        RetainedCheckpoints checkpoints = new RetainedCheckpoints(state);
        checkpoint(RUN_2, 9, Instant.parse("2026-01-01T11:00:00Z"));
        Files.createDirectories(state.resolve("checkpoints").resolve(RUN_1).resolve("shared"));

        checkpoints.removeRunsWithout(checkpoints.latestCompleted());
        assertThat(state.resolve("checkpoints").resolve(RUN_1)).doesNotExist();
        assertThat(checkpointDir(RUN_2, 9)).exists();

        assertThat(checkpoints.deleteAll()).isEqualTo(1);
        assertThat(checkpoints.latestCompleted()).isEmpty();
    }

    @Test
    void checkpointsAreRetainedInTheStateDirectoryAndAResumeClaimsTheChosenOne() throws Exception {
        checkpoint(RUN_1, 4, Instant.parse("2026-01-01T10:00:00Z"));
        RetainedCheckpoints checkpoints = new RetainedCheckpoints(state);
        Configuration conf = new Configuration();

        checkpoints.configure(conf, checkpoints.latestCompleted());

        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(state.resolve("checkpoints").toUri().toString());
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo(checkpointDir(RUN_1, 4).toUri().toString());
        assertThat(conf.get(StateRecoveryOptions.RESTORE_MODE)).isEqualTo(RecoveryClaimMode.CLAIM);
    }

    @Test
    void theStateDirectoryDefaultsToTheWorkDirAndFreshIsAFlag() {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--bootstrap", "127.0.0.1:1", "--work-dir", state.toString(), "--fresh");
        assertThat(run.fresh).isTrue();
        assertThat(run.stateDirectory()).isEqualTo(state.resolve("state").resolve("sensor"));
        new CommandLine(run).parseArgs("--bootstrap", "127.0.0.1:1", "--state-dir", state.resolve("s").toString());
        assertThat(run.stateDirectory()).isEqualTo(state.resolve("s"));
    }

    private Path checkpointDir(String job, long id) {
        return state.resolve("checkpoints").resolve(job).resolve("chk-" + id);
    }

    /** A real (empty) checkpoint's {@code _metadata}, as Flink writes it, modified at {@code written}. */
    private Path checkpoint(String job, long id, Instant written) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(id, List.of(), List.of()), new DataOutputStream(bytes));
        Path metadata = Files.createDirectories(checkpointDir(job, id)).resolve("_metadata");
        Files.write(metadata, bytes.toByteArray());
        Files.setLastModifiedTime(metadata, FileTime.from(written));
        return metadata;
    }
}

package dev.edgeinfer.cli;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The state directory of {@code edgeinfer run}: where its local MiniCluster keeps retained
 * checkpoints ({@code <state-dir>/checkpoints/<job id>/chk-<n>/_metadata}, kept when the job is
 * cancelled or its process dies), and how a new run finds the latest completed one to resume from.
 *
 * <p>A checkpoint counts as completed only if its {@code _metadata} file reads back in full as
 * Flink checkpoint metadata: a process killed while writing one (a power loss) leaves a partial
 * file, which is skipped. Among the completed ones the newest {@code _metadata} wins (checkpoint
 * number breaks ties), across the job ids of earlier runs.
 *
 * <p>Resuming claims the checkpoint ({@link RecoveryClaimMode#CLAIM}): Flink deletes it once the
 * resumed job has completed newer ones, so the directory holds the last few checkpoints of the
 * latest run, not a growing history. Folders of earlier runs left with no completed checkpoint
 * are removed when a run starts.
 */
final class RetainedCheckpoints {

    /** Completed checkpoints Flink keeps per run (the newest is resumed from; one more in case it is damaged). */
    static final int RETAINED = 2;

    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    private final Path root;

    RetainedCheckpoints(Path stateDir) {
        this.root = stateDir.toAbsolutePath().normalize().resolve("checkpoints");
    }

    /** A completed checkpoint on disk. */
    record Completed(Path dir, long id, FileTime written) {
        @Override
        public String toString() {
            return "checkpoint " + id + " (written " + written + ") in " + dir;
        }
    }

    /** Where the checkpoints are written. */
    Path directory() {
        return root;
    }

    /** The latest completed checkpoint, if any; partial or unreadable ones are skipped. */
    Optional<Completed> latestCompleted() {
        return completed().stream()
                .max(Comparator.comparing(Completed::written).thenComparingLong(Completed::id));
    }

    /** Every completed checkpoint under the directory, in no particular order. */
    List<Completed> completed() {
        List<Completed> out = new ArrayList<>();
        for (Path job : jobDirectories()) {
            for (Path chk : children(job)) {
                Matcher m = CHECKPOINT.matcher(chk.getFileName().toString());
                Path metadata = chk.resolve("_metadata");
                if (m.matches() && Files.isRegularFile(metadata) && readsBackInFull(metadata)) {
                    try {
                        out.add(new Completed(chk, Long.parseLong(m.group(1)), Files.getLastModifiedTime(metadata)));
                    } catch (IOException e) {
                        // Gone meanwhile: not a checkpoint to resume from.
                    }
                }
            }
        }
        return out;
    }

    /**
     * Settings for the MiniCluster and the job: checkpoints to this directory, retained on
     * cancellation and on a crash, and the job started from {@code resumeFrom} if present.
     */
    void configure(Configuration conf, Optional<Completed> resumeFrom) {
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, root.toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED);
        resumeFrom.ifPresent(checkpoint -> {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpoint.dir().toUri().toString());
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        });
    }

    /** Removes the folders of earlier runs that hold no completed checkpoint other than {@code keep}. */
    void removeRunsWithout(Optional<Completed> keep) throws IOException {
        List<Completed> completed = completed();
        for (Path job : jobDirectories()) {
            boolean holdsOne = completed.stream().anyMatch(c -> c.dir().getParent().equals(job));
            boolean kept = keep.isPresent() && keep.get().dir().getParent().equals(job);
            if (!holdsOne && !kept) {
                deleteRecursively(job);
            }
        }
    }

    /** Deletes every retained checkpoint ({@code --fresh}); returns how many completed ones there were. */
    int deleteAll() throws IOException {
        int count = completed().size();
        for (Path job : jobDirectories()) {
            deleteRecursively(job);
        }
        return count;
    }

    private List<Path> jobDirectories() {
        return children(root).stream()
                .filter(p -> Files.isDirectory(p) && JOB_ID.matcher(p.getFileName().toString()).matches())
                .toList();
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the state directory " + dir, e);
        }
    }

    /** Whether {@code metadata} is a whole checkpoint metadata file (a truncated one fails to read). */
    static boolean readsBackInFull(Path metadata) {
        try (InputStream file = Files.newInputStream(metadata);
                DataInputStream in = new DataInputStream(new BufferedInputStream(file))) {
            CheckpointMetadata read = Checkpoints.loadCheckpointMetadata(
                    in, RetainedCheckpoints.class.getClassLoader(), metadata.getParent().toString());
            return read.getCheckpointId() >= 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

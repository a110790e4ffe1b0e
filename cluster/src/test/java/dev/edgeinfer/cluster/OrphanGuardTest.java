package dev.edgeinfer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A process started through {@link OrphanGuard} exits when its parent is gone, even killed with SIGKILL. */
class OrphanGuardTest {

    /** Stands in for a JobManager or TaskManager: runs until stopped. */
    public static final class RunsForever {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(TimeUnit.MINUTES.toMillis(5));
        }
    }

    @Test
    void theGuardedProcessExitsWhenItsParentIsKilled() throws Exception {
        Process parent = new ProcessBuilder("sleep", "300").start();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process guarded = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                        OrphanGuard.class.getName(), Long.toString(parent.pid()), RunsForever.class.getName()))
                .inheritIO()
                .start();
        try {
            assertThat(guarded.waitFor(2, TimeUnit.SECONDS)).as("runs while its parent lives").isFalse();
            parent.destroyForcibly();
            assertThat(guarded.waitFor(30, TimeUnit.SECONDS)).as("exits once its parent is gone").isTrue();
            assertThat(guarded.exitValue()).isEqualTo(137);
        } finally {
            parent.destroyForcibly();
            guarded.destroyForcibly();
        }
    }
}

package dev.edgeinfer.operators.testutils;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ModelFetcher} that fetches like {@link FileModelFetcher} but takes {@code delayMillis}
 * for the release whose sha256 is {@code slowSha256}, like a large download would. The delay is
 * not cut short by interrupts (a blocking download often is not), so a test can watch what an
 * operator does with a load that finishes after it was closed. Serializable, as every fetcher
 * shipped to a subtask must be; {@link #slowFetchesStarted()} and {@link #slowFetchesFinished()}
 * count slow fetches in this JVM (copies made by serialization share the counts).
 *
 * @param slowSha256 the sha256 of the release to delay
 * @param delayMillis how long to delay it
 */
public record TestingDelayingFetcher(String slowSha256, long delayMillis) implements ModelFetcher {

    private static final long serialVersionUID = 1L;
    private static final AtomicInteger SLOW_FETCHES_STARTED = new AtomicInteger();
    private static final AtomicInteger SLOW_FETCHES_FINISHED = new AtomicInteger();

    @Override
    public Path fetch(ModelRelease release) throws ModelFetchException {
        delay(release);
        return new FileModelFetcher().fetch(release);
    }

    @Override
    public Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
        delay(release);
        return new FileModelFetcher().fetchTo(release, directory, maxBytes);
    }

    private void delay(ModelRelease release) {
        if (release.sha256().equals(slowSha256)) {
            SLOW_FETCHES_STARTED.incrementAndGet();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
            for (long left = delayMillis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    // Deliberately ignored: see the class comment.
                }
            }
            SLOW_FETCHES_FINISHED.incrementAndGet();
        }
    }

    /** Slow fetches that began in this JVM. */
    public static int slowFetchesStarted() {
        return SLOW_FETCHES_STARTED.get();
    }

    /** Slow fetches that ran to the end in this JVM. */
    public static int slowFetchesFinished() {
        return SLOW_FETCHES_FINISHED.get();
    }

    @Override
    public void checkSource(ModelRelease release) throws ModelFetchException {
        new FileModelFetcher().checkSource(release);
    }
}

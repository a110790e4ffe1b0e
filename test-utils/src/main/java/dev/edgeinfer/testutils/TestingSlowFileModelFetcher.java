package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link FileModelFetcher} that takes {@code delay} longer for one model (by sha256), so that a
 * test can make a new version's staging slow while the old version loads at once. Every slow
 * fetch is recorded (wall-clock start and end) in a {@link Probe} the test reads.
 *
 * <p>A test that must observe the job <em>while</em> the load is still pending, without betting
 * on timing, can also {@link Probe#hold() hold} the slow fetches: after the delay they then wait
 * until the test calls {@link Probe#release()}.
 *
 * <p>The fetcher is serialized into every Flink subtask; the probe is found again through a
 * static registry, so this only works with a MiniCluster in the test's own JVM.
 */
public final class TestingSlowFileModelFetcher implements ModelFetcher {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    /** What the slow fetches did, across all subtasks. Thread-safe. */
    public static final class Probe {
        private final List<long[]> slowFetches = new ArrayList<>();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        /** From now on, slow fetches also wait (after the delay) until {@link #release()}. */
        public void hold() {
            gate = new CountDownLatch(1);
        }

        /** Lets held slow fetches return. */
        public void release() {
            gate.countDown();
        }

        private synchronized int start(long now) {
            slowFetches.add(new long[] {now, -1});
            return slowFetches.size() - 1;
        }

        private synchronized void end(int index, long now) {
            slowFetches.get(index)[1] = now;
        }

        /** How many slow fetches began (one per subtask, or one per JVM where subtasks share a model cache). */
        public synchronized int slowFetchesStarted() {
            return slowFetches.size();
        }

        /** Wall-clock ms at which the first slow fetch began; -1 if none did. */
        public synchronized long firstSlowFetchStarted() {
            return slowFetches.stream().mapToLong(f -> f[0]).min().orElse(-1);
        }

        /** Wall-clock ms at which the first slow fetch returned its file; -1 if none has. */
        public synchronized long firstSlowFetchReturned() {
            return slowFetches.stream().mapToLong(f -> f[1]).filter(t -> t >= 0).min().orElse(-1);
        }
    }

    private final FileModelFetcher delegate = new FileModelFetcher();
    private final String slowSha256;
    private final long delayMillis;
    private final String probeId = UUID.randomUUID().toString();

    /** Fetches of the release with {@code slowSha256} take {@code delay} longer; all others are immediate. */
    public TestingSlowFileModelFetcher(String slowSha256, Duration delay) {
        this.slowSha256 = Objects.requireNonNull(slowSha256, "slowSha256");
        this.delayMillis = delay.toMillis();
        PROBES.put(probeId, new Probe());
    }

    /** The record of this fetcher's (and its serialized copies') slow fetches. */
    public Probe probe() {
        return PROBES.get(probeId);
    }

    /** Releases held fetches and forgets the probe (call when the test is done). */
    public void dispose() {
        Probe probe = PROBES.remove(probeId);
        if (probe != null) {
            probe.release();
        }
    }

    @Override
    public Path fetch(ModelRelease release) throws ModelFetchException {
        if (release.sha256().equals(slowSha256)) {
            Probe probe = PROBES.get(probeId);
            int index = probe == null ? -1 : probe.start(System.currentTimeMillis());
            try {
                Thread.sleep(delayMillis);
                if (probe != null) {
                    probe.gate.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelFetchException(release.uri(), "interrupted during the injected delay", false, e);
            }
            if (probe != null) {
                probe.end(index, System.currentTimeMillis());
            }
        }
        return delegate.fetch(release);
    }

    @Override
    public void checkSource(ModelRelease release) throws dev.edgeinfer.broadcast.fetch.ModelFetchException {
        delegate.checkSource(release);
    }
}

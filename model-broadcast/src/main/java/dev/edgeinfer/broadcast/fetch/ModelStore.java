package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The local, content-addressed model cache of one TaskManager: {@code <root>/<sha256>.onnx}.
 *
 * <pre>{@code
 * ModelStore store = ModelStore.open(Path.of("/var/cache/edgeinfer/models"), 512L << 20, 4);
 * try (ModelStore.Lease lease = store.lease(release, fetcher)) {   // fetched once, verified
 *     runner = OnnxModelRunner.load(release.modelId(), lease.path(), ...);
 * }
 * store.retain(timeline.neededSha256s());   // pinned + the 4 most recently used stay
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b>
 * <ul>
 *   <li><b>Only verified bytes under a final name.</b> {@link #materialize} fetches into a temp file
 *       in the root ({@link ModelFetcher#fetchTo}), checks size ({@code <= maxModelBytes} and
 *       {@code == release.sizeBytes()}) and sha256, then renames atomically to
 *       {@code <sha256>.onnx}. A mismatch is a {@link ModelFetchException} with
 *       {@link Reason#SIZE_MISMATCH}, {@link Reason#CHECKSUM_MISMATCH} or {@link Reason#TOO_LARGE}
 *       (not retriable), and nothing is left in the cache.</li>
 *   <li><b>Cache hits are verified.</b> A cached file is re-hashed the first time this JVM uses
 *       it (so a file truncated by a crash or edited on disk is detected, deleted and fetched
 *       again); later hits trust it while its size and modification time are what the store
 *       last recorded. Every release is judged on what it declares, cached or not: a release
 *       that declares another size for cached bytes gets the verdict a fetch would give it
 *       ({@link Reason#TOO_LARGE} or {@link Reason#TRUNCATED}), and the cached file stays.</li>
 *   <li><b>One instance per directory per JVM</b> ({@link #open}), shared by all subtasks;
 *       thread-safe. Concurrent materializations of one sha256 fetch once; the others wait for
 *       that result (success or failure).</li>
 *   <li><b>Survives restarts:</b> files stay; recency after a restart comes from file
 *       modification times, which the store sets on every use.</li>
 *   <li><b>Bounded:</b> {@link #retain} keeps pinned sha256s plus the {@code keepRecent} most
 *       recently used others, and never deletes a file that is leased ({@link #lease}), being
 *       materialized, or being fetched. {@link #materialize} alone protects the file only during
 *       the call: hold a {@link Lease} until the model is loaded.</li>
 *   <li>Two JVMs sharing one directory stay correct (atomic renames, verified hits), but one may
 *       evict a file the other wants and cause a refetch: give each TaskManager its own root.</li>
 * </ul>
 */
public final class ModelStore {

    private static final ConcurrentHashMap<Path, ModelStore> INSTANCES = new ConcurrentHashMap<>();

    private final Path root;
    private final long maxModelBytes;
    private final int keepRecent;

    private final Object lock = new Object();
    /** sha256 -> number of materializations and leases holding it; guarded by {@link #lock}. */
    private final Map<String, Integer> inUse = new HashMap<>();
    /** sha256 -> last use (epoch ms, strictly increasing within this instance); guarded by {@link #lock}. */
    private final Map<String, Long> lastUsed = new HashMap<>();
    /** sha256 -> (size, mtime) recorded when this JVM verified or wrote it; guarded by {@link #lock}. */
    private final Map<String, long[]> verified = new HashMap<>();
    private long clock;
    private final ConcurrentHashMap<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

    /**
     * The store for {@code root} in this JVM (created on first use, with its directory).
     *
     * @param maxModelBytes largest model accepted
     * @param keepRecent how many unpinned models {@link #retain} keeps, most recently used first
     * @throws IllegalArgumentException if the store for this directory was opened with other settings
     */
    public static ModelStore open(Path root, long maxModelBytes, int keepRecent) throws IOException {
        if (maxModelBytes <= 0 || keepRecent < 0) {
            throw new IllegalArgumentException("maxModelBytes must be > 0 and keepRecent >= 0");
        }
        Files.createDirectories(root);
        Path real = root.toRealPath();
        ModelStore store = INSTANCES.computeIfAbsent(real, r -> new ModelStore(r, maxModelBytes, keepRecent));
        if (store.maxModelBytes != maxModelBytes || store.keepRecent != keepRecent) {
            throw new IllegalArgumentException("model store " + real + " is already open in this JVM with maxModelBytes="
                    + store.maxModelBytes + ", keepRecent=" + store.keepRecent + "; asked for " + maxModelBytes + ", "
                    + keepRecent + " (use one setting per directory)");
        }
        return store;
    }

    /** A private instance, bypassing the per-JVM registry (tests: simulate a restart on the same directory). */
    ModelStore(Path root, long maxModelBytes, int keepRecent) {
        this.root = root;
        this.maxModelBytes = maxModelBytes;
        this.keepRecent = keepRecent;
    }

    public Path root() {
        return root;
    }

    /** Where {@code sha256}'s file lives (whether or not it is there). */
    public Path pathFor(String sha256) {
        if (!BlobTopic.isSha256(sha256)) {
            throw new IllegalArgumentException("not a lower-case hex sha256: " + sha256);
        }
        return root.resolve(sha256 + ".onnx");
    }

    /** The sha256s with a file in the cache (verified or not), sorted. */
    public Set<String> cached() throws IOException {
        Set<String> out = new TreeSet<>();
        for (Path p : CacheFiles.entries(root)) {
            out.add(CacheFiles.shaOf(p));
        }
        return out;
    }

    /**
     * The verified local file of {@code release}: the cached one, or fetched with {@code fetcher},
     * verified and cached.
     *
     * @throws ModelFetchException the fetcher's failure, or {@code TOO_LARGE}, {@code SIZE_MISMATCH},
     *     {@code CHECKSUM_MISMATCH}, {@code IO_ERROR} (cache directory trouble)
     */
    public Path materialize(ModelRelease release, ModelFetcher fetcher) throws ModelFetchException {
        String sha = release.sha256();
        acquire(sha);
        try {
            return materializeHeld(release, fetcher);
        } finally {
            release(sha);
        }
    }

    /** Like {@link #materialize}, but the file cannot be evicted until the lease is closed. */
    public Lease lease(ModelRelease release, ModelFetcher fetcher) throws ModelFetchException {
        String sha = release.sha256();
        acquire(sha);
        try {
            return new Lease(this, sha, materializeHeld(release, fetcher));
        } catch (ModelFetchException | RuntimeException e) {
            release(sha);
            throw e;
        }
    }

    private Path materializeHeld(ModelRelease release, ModelFetcher fetcher) throws ModelFetchException {
        String sha = release.sha256();
        if (release.sizeBytes() > maxModelBytes) {
            throw new ModelFetchException(Reason.TOO_LARGE, release.uri(), "release declares " + release.sizeBytes()
                    + " bytes, more than the store's limit of " + maxModelBytes, null);
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = inFlight.putIfAbsent(sha, mine);
        if (running != null) {
            return awaitOther(release, running);
        }
        try {
            Path path = fetchOrHit(release, fetcher);
            mine.complete(path);
            return path;
        } catch (ModelFetchException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(sha, mine);
        }
    }

    private Path awaitOther(ModelRelease release, CompletableFuture<Path> running) throws ModelFetchException {
        Path path;
        try {
            path = running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "interrupted while waiting for a concurrent fetch", false, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelFetchException f) {
                // A fresh exception per waiter (thread-specific stack), same reason and retriability.
                throw new ModelFetchException(f.reason(), release.uri(), "concurrent fetch failed: " + f.getMessage(), f.retriable(), f);
            }
            throw new IllegalStateException("concurrent fetch failed", e.getCause());
        }
        // Same sha256, so same bytes; a release that declares another size for them is still wrong.
        try {
            if (Files.size(path) != release.sizeBytes()) {
                throw FetchSupport.sizeVerdict(release, Files.size(path));
            }
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "cannot stat " + path + ": " + e.getMessage(), e);
        }
        return path;
    }

    private Path fetchOrHit(ModelRelease release, ModelFetcher fetcher) throws ModelFetchException {
        String sha = release.sha256();
        Path target = pathFor(sha);
        try {
            if (Files.isRegularFile(target)) {
                if (trusted(sha, target) || sha.equals(Sha256.of(target))) {
                    if (Files.size(target) != release.sizeBytes()) {
                        // Right bytes, wrong declaration: the verdict a fetch would reach, cache or not.
                        throw FetchSupport.sizeVerdict(release, Files.size(target));
                    }
                    touch(sha, target);
                    return target;
                }
                // Corrupt (crash mid-write on another store version, disk error, tampering): replace it.
                Files.deleteIfExists(target);
                synchronized (lock) {
                    verified.remove(sha);
                }
            }
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "cannot check cached " + target + ": " + e.getMessage(), e);
        }

        Path temp = fetcher.fetchTo(release, root, maxModelBytes);
        try {
            temp = CacheFiles.moveInto(release, temp, root);
            CacheFiles.verify(release, temp, maxModelBytes);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            touch(sha, target);
            return target;
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "cannot store " + target + ": " + e.getMessage(), e);
        } finally {
            FetchSupport.deleteQuietly(temp);   // no-op after a successful move
        }
    }

    private boolean trusted(String sha, Path file) throws IOException {
        long size = Files.size(file);
        long mtime = Files.getLastModifiedTime(file).toMillis();
        synchronized (lock) {
            long[] stamp = verified.get(sha);
            return stamp != null && stamp[0] == size && stamp[1] == mtime;
        }
    }

    private void touch(String sha, Path file) throws IOException {
        long size = Files.size(file);
        synchronized (lock) {
            clock = Math.max(clock + 1, System.currentTimeMillis());
            Files.setLastModifiedTime(file, FileTime.fromMillis(clock));
            // Re-read: file systems may round modification times.
            verified.put(sha, new long[] {size, Files.getLastModifiedTime(file).toMillis()});
            lastUsed.put(sha, clock);
        }
    }

    private void acquire(String sha) {
        synchronized (lock) {
            inUse.merge(sha, 1, Integer::sum);
        }
    }

    private void release(String sha) {
        synchronized (lock) {
            inUse.computeIfPresent(sha, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    /**
     * Evicts cached models: keeps every sha256 in {@code pinned}, plus the {@code keepRecent} most
     * recently used others, plus any file in use; deletes the rest. Also removes temp files of
     * fetches that died over an hour ago.
     *
     * @return the evicted sha256s
     */
    public Set<String> retain(Set<String> pinned) throws IOException {
        Set<String> evicted = new TreeSet<>();
        synchronized (lock) {
            List<String> unpinned = new ArrayList<>();
            Map<String, Long> recency = new HashMap<>();
            for (Path p : CacheFiles.entries(root)) {
                String sha = CacheFiles.shaOf(p);
                if (!pinned.contains(sha)) {
                    unpinned.add(sha);
                    Long used = lastUsed.get(sha);
                    recency.put(sha, used != null ? used : Files.getLastModifiedTime(p).toMillis());
                }
            }
            unpinned.sort(Comparator.comparing((String s) -> recency.get(s)).reversed().thenComparing(s -> s));
            for (int i = keepRecent; i < unpinned.size(); i++) {
                String sha = unpinned.get(i);
                if (inUse.containsKey(sha) || inFlight.containsKey(sha)) {
                    continue;
                }
                Files.deleteIfExists(pathFor(sha));
                lastUsed.remove(sha);
                verified.remove(sha);
                evicted.add(sha);
            }
        }
        CacheFiles.sweepStaleTemps(root);
        return evicted;
    }

    @Override
    public String toString() {
        return "ModelStore[" + root + ", max " + maxModelBytes + " B, keep " + keepRecent + " recent]";
    }

    /**
     * A materialized model that {@link #retain} will not evict until {@link #close()}.
     * Close it once the model is loaded (ONNX Runtime does not need the file afterwards).
     */
    public static final class Lease implements AutoCloseable {
        private final ModelStore store;
        private final String sha256;
        private final Path path;
        private boolean closed;

        private Lease(ModelStore store, String sha256, Path path) {
            this.store = store;
            this.sha256 = sha256;
            this.path = path;
        }

        public Path path() {
            return path;
        }

        public String sha256() {
            return sha256;
        }

        /** Idempotent. */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                store.release(sha256);
            }
        }
    }
}

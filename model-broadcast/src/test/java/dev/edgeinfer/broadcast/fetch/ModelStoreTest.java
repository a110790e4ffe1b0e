package dev.edgeinfer.broadcast.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

class ModelStoreTest {

    @TempDir
    Path dir;

    /** Serves fixed bytes for any release and counts fetches; optionally blocks until released. */
    static final class FakeFetcher implements ModelFetcher {
        private static final long serialVersionUID = 1L;
        final AtomicInteger fetches = new AtomicInteger();
        final byte[] bytes;
        final CountDownLatch gate;

        FakeFetcher(byte[] bytes, CountDownLatch gate) {
            this.bytes = bytes;
            this.gate = gate;
        }

        FakeFetcher(byte[] bytes) {
            this(bytes, new CountDownLatch(0));
        }

        @Override
        public Path fetch(ModelRelease release) {
            throw new UnsupportedOperationException("the store must use fetchTo");
        }

        @Override
        public Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
            fetches.incrementAndGet();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FetchSupport.download(release, new ByteArrayInputStream(bytes), directory, maxBytes);
        }
    }

    private static byte[] model(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }

    private static ModelRelease releaseOf(byte[] bytes) {
        return Releases.release("m", "v" + Sha256.of(bytes).substring(0, 6), 0)
                .sha256(Sha256.of(bytes)).sizeBytes(bytes.length).build();
    }

    private ModelStore store(int keep) {
        return new ModelStore(dir, 1 << 20, keep);
    }

    @Test
    void aWrongDeclaredSizeGetsTheSameVerdictWhetherTheBytesAreCachedOrNot() throws Exception {
        byte[] bytes = model("the model bytes");
        ModelRelease good = releaseOf(bytes);
        for (long declared : new long[] {bytes.length - 3, bytes.length + 3}) {
            ModelRelease wrong = good.toBuilder().sizeBytes(declared).build();
            ModelFetchException uncached = catchThrowableOfType(ModelFetchException.class,
                    () -> new ModelStore(dir.resolve("fresh-" + declared), 1 << 20, 1).materialize(wrong, new FakeFetcher(bytes)));
            ModelStore warm = new ModelStore(dir.resolve("warm-" + declared), 1 << 20, 1);
            Path cached = warm.materialize(good, new FakeFetcher(bytes));

            FakeFetcher second = new FakeFetcher(bytes);
            ModelFetchException hit = catchThrowableOfType(ModelFetchException.class, () -> warm.materialize(wrong, second));

            assertThat(hit.reason()).as("declared %d", declared).isEqualTo(uncached.reason());
            assertThat(hit.reason()).isIn(Reason.TOO_LARGE, Reason.TRUNCATED);
            assertThat(cached).as("the good bytes stay cached").hasBinaryContent(bytes);
            assertThat(warm.materialize(good, second)).isEqualTo(cached);
        }
    }

    private List<String> files() throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fetchesVerifiesAndStoresUnderTheSha256() throws Exception {
        byte[] bytes = model("model one");
        ModelRelease r = releaseOf(bytes);
        Path p = store(2).materialize(r, new FakeFetcher(bytes));
        assertThat(p).isEqualTo(dir.resolve(r.sha256() + ".onnx"));
        assertThat(Files.readAllBytes(p)).isEqualTo(bytes);
        assertThat(files()).containsExactly(r.sha256() + ".onnx");
    }

    @Test
    void cacheHitDoesNotFetchAgain() throws Exception {
        byte[] bytes = model("model one");
        ModelRelease r = releaseOf(bytes);
        ModelStore store = store(2);
        FakeFetcher fetcher = new FakeFetcher(bytes);
        Path first = store.materialize(r, fetcher);
        Path second = store.materialize(r.toBuilder().activateAt(99).uri("file:///elsewhere.onnx").build(), fetcher);
        assertThat(second).isEqualTo(first);
        assertThat(fetcher.fetches).hasValue(1);
    }

    @Test
    void checksumMismatchIsRejectedAndLeavesNothingInTheCache() throws Exception {
        byte[] bytes = model("model one");
        byte[] corrupt = model("model 0ne");   // same size, other bytes
        ModelRelease r = releaseOf(bytes);
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> store(2).materialize(r, new FakeFetcher(corrupt)));
        assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains(r.sha256()).contains(Sha256.of(corrupt));
        assertThat(files()).isEmpty();
    }

    @Test
    void sizeDifferentFromTheReleaseIsRejectedAndLeavesNothing() throws Exception {
        byte[] bytes = model("model one");
        ModelRelease r = releaseOf(bytes).toBuilder().sizeBytes(bytes.length + 5).build();
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> store(2).materialize(r, new FakeFetcher(bytes)));
        assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
        assertThat(files()).isEmpty();
    }

    @Test
    void releaseOverTheStoreLimitIsRefusedWithoutFetching() {
        byte[] bytes = model("model one");
        FakeFetcher fetcher = new FakeFetcher(bytes);
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> new ModelStore(dir, 4, 2).materialize(releaseOf(bytes), fetcher));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(fetcher.fetches).hasValue(0);
    }

    @Test
    void corruptedCachedFileIsDetectedAndFetchedAgain() throws Exception {
        byte[] bytes = model("model one");
        ModelRelease r = releaseOf(bytes);
        FakeFetcher fetcher = new FakeFetcher(bytes);
        Path p = store(2).materialize(r, fetcher);
        Files.write(p, model("model 0ne"));
        // A fresh instance (restart) re-hashes its first hit; so does this one, because the mtime changed.
        Path again = store(2).materialize(r, fetcher);
        assertThat(Files.readAllBytes(again)).isEqualTo(bytes);
        assertThat(fetcher.fetches).hasValue(2);
    }

    @Test
    void concurrentMaterializeOfOneSha256FetchesOnce() throws Exception {
        byte[] bytes = model("shared model");
        ModelRelease r = releaseOf(bytes);
        FakeFetcher fetcher = materializeConcurrently(8, r, gate -> new FakeFetcher(bytes, gate),
                f -> assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(dir.resolve(r.sha256() + ".onnx")));
        assertThat(fetcher.fetches).hasValue(1);
    }

    @Test
    void concurrentWaitersShareTheFailure() throws Exception {
        ModelRelease r = releaseOf(model("model one"));
        FakeFetcher corrupt = materializeConcurrently(4, r, gate -> new FakeFetcher(model("model 0ne"), gate),
                f -> assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ModelFetchException.class)
                        .hasMessageContaining("CHECKSUM_MISMATCH"));
        assertThat(corrupt.fetches).hasValue(1);
    }

    /** What one concurrent caller got. */
    @FunctionalInterface
    private interface Outcome {
        void check(Future<Path> result) throws Exception;
    }

    /**
     * {@code callers} threads materialize {@code r} at once from one store, through a fetcher held
     * by a gate that opens once they have all piled up behind the first fetch; then each one's
     * outcome is checked. Returns the fetcher.
     */
    private FakeFetcher materializeConcurrently(int callers, ModelRelease r, Function<CountDownLatch, FakeFetcher> heldBy,
            Outcome outcome) throws Exception {
        ModelStore store = store(2);
        CountDownLatch gate = new CountDownLatch(1);
        FakeFetcher fetcher = heldBy.apply(gate);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> store.materialize(r, fetcher)));
            }
            Thread.sleep(200);   // let them all pile up behind the first fetch
            gate.countDown();
            for (Future<Path> f : results) {
                outcome.check(f);
            }
        } finally {
            pool.shutdownNow();
        }
        return fetcher;
    }

    @Test
    void retainKeepsPinnedAndTheMostRecentlyUsedAndEvictsTheRest() throws Exception {
        ModelStore store = store(2);
        List<ModelRelease> releases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] bytes = model("model " + i);
            ModelRelease r = releaseOf(bytes);
            store.materialize(r, new FakeFetcher(bytes));
            releases.add(r);
        }
        // Use #1 again: it becomes the most recent.
        store.materialize(releases.get(1), new FakeFetcher(new byte[0]));
        Set<String> evicted = store.retain(Set.of(releases.get(0).sha256()));
        // pinned: 0; most recent unpinned: 1, 4; evicted: 2, 3
        assertThat(evicted).containsExactlyInAnyOrder(releases.get(2).sha256(), releases.get(3).sha256());
        assertThat(store.cached()).containsExactlyInAnyOrder(
                releases.get(0).sha256(), releases.get(1).sha256(), releases.get(4).sha256());
    }

    @Test
    void retainNeverEvictsALeasedFile() throws Exception {
        ModelStore store = store(0);
        byte[] bytes = model("leased");
        ModelRelease r = releaseOf(bytes);
        try (ModelStore.Lease lease = store.lease(r, new FakeFetcher(bytes))) {
            assertThat(store.retain(Set.of())).isEmpty();
            assertThat(lease.path()).exists();
        }
        assertThat(store.retain(Set.of())).containsExactly(r.sha256());
        assertThat(store.cached()).isEmpty();
    }

    @Test
    void retainNeverEvictsAFileBeingFetched() throws Exception {
        ModelStore store = store(0);
        byte[] bytes = model("in flight");
        ModelRelease r = releaseOf(bytes);
        Files.write(dir.resolve(r.sha256() + ".onnx"), model("stale junk"));   // corrupt copy: will be refetched
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Path> f = pool.submit(() -> store.materialize(r, new FakeFetcher(bytes, gate)));
            Thread.sleep(200);
            assertThat(store.retain(Set.of())).isEmpty();
            gate.countDown();
            assertThat(Files.readAllBytes(f.get(10, TimeUnit.SECONDS))).isEqualTo(bytes);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cacheSurvivesANewInstanceOnTheSameDirectory() throws Exception {
        byte[] bytes = model("persistent");
        ModelRelease r = releaseOf(bytes);
        store(2).materialize(r, new FakeFetcher(bytes));
        FakeFetcher after = new FakeFetcher(bytes);
        Path p = store(2).materialize(r, after);
        assertThat(Files.readAllBytes(p)).isEqualTo(bytes);
        assertThat(after.fetches).hasValue(0);
    }

    @Test
    void recencyAfterARestartComesFromModificationTimes() throws Exception {
        List<ModelRelease> releases = new ArrayList<>();
        ModelStore before = store(1);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = model("restart " + i);
            releases.add(releaseOf(bytes));
            before.materialize(releases.get(i), new FakeFetcher(bytes));
        }
        Files.setLastModifiedTime(dir.resolve(releases.get(0).sha256() + ".onnx"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertThat(store(1).retain(Set.of())).containsExactlyInAnyOrder(releases.get(1).sha256(), releases.get(2).sha256());
    }

    @Test
    void retainSweepsStaleTempFilesOnly() throws Exception {
        Path stale = Files.writeString(dir.resolve(".fetch-abc-1.part"), "x");
        Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 2 * 3600_000L));
        Path fresh = Files.writeString(dir.resolve(".fetch-abc-2.part"), "x");
        Path foreign = Files.writeString(dir.resolve("notes.txt"), "x");
        store(0).retain(Set.of());
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
        assertThat(foreign).exists();
    }

    @Test
    void oneInstancePerDirectoryAndConflictingSettingsFailFast() throws Exception {
        Path root = dir.resolve("shared");
        ModelStore a = ModelStore.open(root, 1000, 3);
        assertThat(ModelStore.open(root.resolve(".").normalize(), 1000, 3)).isSameAs(a);
        assertThatThrownBy(() -> ModelStore.open(root, 2000, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxModelBytes=1000");
    }

    @Test
    void worksWithTheFileFetcherEndToEnd() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        byte[] bytes = model("file model");
        Path source = Files.write(models.resolve("m.onnx"), bytes);
        ModelRelease r = releaseOf(bytes).toBuilder().uri(source.toUri().toString()).build();
        ModelStore store = new ModelStore(Files.createDirectories(dir.resolve("cache")), 1 << 20, 2);
        Path p = store.materialize(r, new FileModelFetcher(models));
        assertThat(p.getParent()).isEqualTo(dir.resolve("cache"));
        assertThat(Files.readAllBytes(p)).isEqualTo(bytes);
        assertThat(source).exists();   // the original is copied, never moved
    }
}

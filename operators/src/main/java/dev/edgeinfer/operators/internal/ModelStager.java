package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.model.LoadBudget;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.model.ModelHandlerFactory;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.runtime.ModelLoadException;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stages model versions on background threads ({@link StagingQueue}: by need, bounded, each
 * phase within its {@link StagingLimits}): fetch (with retries) through the
 * {@link ModelStore}, load with the {@link ModelHandlerFactory}, check the release's declared
 * signature, and hand the task thread a ready {@link ModelHandler}; retires versions no longer
 * needed and closes the sessions no staged release uses.
 *
 * <pre>{@code
 * ModelStager<SensorWindow, Float> stager =
 *         new ModelStager<>(factory, store, fetcher, "stager-0", StagingLimits.DEFAULTS, 30_000, metrics);
 * ModelStager.Staged<SensorWindow, Float> staged = stager.stage(release, false);
 * ModelHandler<SensorWindow, Float> handler = stager.await(staged, () -> false); // null: failed, then reject(staged)
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Stagings are keyed by release id, not sha256: most verdicts
 * (declared signature, URI, size) belong to the release, so a bad release never condemns good
 * releases of the same bytes. Loads are shared per (sha256, URI, declared size, metadata), so
 * every declared property is checked for each release whatever is cached: a rollback to a
 * version still loaded, or many activations of two versions, cost no extra session, and a fetch
 * failure from one source never condemns the same bytes from another. Only the task thread
 * calls these methods; the staging threads only fetch, load and trim the cache. A release over a
 * staging limit is a rejection ({@code FETCH_TIMEOUT}, {@code LOAD_TIMEOUT}, {@code
 * WARMUP_TIMEOUT}, {@code RESOURCE_LIMIT}), never a failover. Every handler
 * is closed exactly once: when no staged release uses it, or at {@link #close()} (at once, or
 * when it finishes loading).
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 */
@Internal
final class ModelStager<IN, P> implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelStager.class);
    static final int FETCH_ATTEMPTS = 3;

    private final ModelHandlerFactory<IN, P> factory;
    private final ModelStore store;
    private final ModelFetcher fetcher;
    private final long loadTimeoutMillis;
    private final InferenceMetrics metrics;
    private final StagingQueue queue;
    private final LatencyBudgetGate<IN, P> gate;
    private final Map<String, Staged<IN, P>> staged = new HashMap<>();
    private final Map<String, SharedLoad<IN, P>> loads = new HashMap<>();
    /** Releases that scored records (reported ACTIVE); staging one again for a record is a reload. */
    private final Set<String> served = new HashSet<>();
    private volatile boolean closing;

    /**
     * @param loadTimeoutMillis longest a record waits for the version it needs (a safety net: each
     *     staging phase has its own, shorter, limit)
     * @param metrics counts reloads for late records and how long records waited for a staging
     */
    ModelStager(ModelHandlerFactory<IN, P> factory, ModelStore store, ModelFetcher fetcher, String threadName,
            StagingLimits limits, long loadTimeoutMillis, InferenceMetrics metrics, LatencyBudgetGate<IN, P> gate) {
        this.gate = gate;
        this.factory = factory;
        this.store = store;
        this.fetcher = fetcher;
        this.loadTimeoutMillis = loadTimeoutMillis;
        this.metrics = metrics;
        this.queue = new StagingQueue(threadName, limits);
    }

    /** With the default {@link StagingLimits} and no latency budget. */
    ModelStager(ModelHandlerFactory<IN, P> factory, ModelStore store, ModelFetcher fetcher, String threadName,
            long loadTimeoutMillis, InferenceMetrics metrics) {
        this(factory, store, fetcher, threadName, StagingLimits.DEFAULTS, loadTimeoutMillis, metrics,
                LatencyBudgetGate.unbounded());
    }

    /** Gives the task thread's other work (timers: heartbeats, status) a turn while a record waits. */
    @FunctionalInterface
    interface Yield {
        /** Runs one piece of other work; false if there was none. */
        boolean tryYield() throws Exception;
    }

    /** One release being staged or staged; {@code scored} counts the records it scored. */
    static final class Staged<IN, P> {
        final ModelRelease release;
        final boolean reload;
        private final SharedLoad<IN, P> load;
        /** The shared handler once it loaded and passed this release's own declared-signature check. */
        private final CompletableFuture<ModelHandler<IN, P>> handler;
        private boolean reported;
        long scored;

        Staged(ModelRelease release, boolean reload, SharedLoad<IN, P> load,
                CompletableFuture<ModelHandler<IN, P>> handler) {
            this.release = release;
            this.reload = reload;
            this.load = load;
            this.handler = handler;
        }

        boolean isReady() {
            return handler.isDone() && !handler.isCompletedExceptionally();
        }

        boolean isFailed() {
            return handler.isCompletedExceptionally();
        }

        /** The handler; only once {@link #isReady()}. */
        ModelHandler<IN, P> handler() {
            return handler.join();
        }
    }

    /** Why a release could not be staged: {@code reason} is the fetch or load failure's reason. */
    record Rejection(ModelRelease release, String reason, String detail) {}

    private record SharedLoad<IN, P>(String key, StagingQueue.Ticket<ModelHandler<IN, P>> ticket) {
        CompletableFuture<ModelHandler<IN, P>> handler() {
            return ticket.result();
        }
    }

    /** Number of releases staging or staged. */
    int size() {
        return staged.size();
    }

    /**
     * Starts staging {@code release} unless it is already. {@code forRecord}: a record needs it
     * now; if it served before and was retired, that is a (counted) reload for a late record.
     */
    Staged<IN, P> stage(ModelRelease release, boolean forRecord) {
        long needAt = forRecord ? Long.MIN_VALUE : release.activateAt();
        Staged<IN, P> existing = staged.get(release.releaseId());
        if (existing != null) {
            queue.prioritise(existing.load.ticket(), needAt);
            return existing;
        }
        boolean reload = forRecord && served.contains(release.releaseId());
        metrics.reloadsForLateRecords.inc(reload ? 1 : 0);
        SharedLoad<IN, P> load = sharedLoad(release, needAt);
        CompletableFuture<ModelHandler<IN, P>> checked = load.handler().thenApply(handler -> {
            // The bytes are shared; the declared signature is this release's own claim.
            String mismatch = new DeclaredSignatureCheck(release.signature()).checkSignature(handler.signature());
            if (mismatch != null) {
                throw new CompletionException(new ModelLoadException(release.modelId(), null,
                        ModelLoadException.Reason.SIGNATURE_MISMATCH, "signature " + handler.signature()
                                + " differs from the declared one: " + mismatch));
            }
            return handler;
        });
        Staged<IN, P> model = new Staged<>(release, reload, load, checked);
        staged.put(release.releaseId(), model);
        return model;
    }

    private SharedLoad<IN, P> sharedLoad(ModelRelease release, long needAt) {
        // The translator is built from the release (its metadata: labels, normalisation), so releases
        // share a session only if that is the same too; the declared size is checked per load, so a
        // release that declares another size for the same bytes gets its own verdict.
        String key = release.sha256() + "|" + release.uri() + "|" + release.sizeBytes() + "|"
                + new TreeMap<>(release.metadata()) + "|" + release.variants();
        SharedLoad<IN, P> existing = loads.get(key);
        if (existing != null && !existing.handler().isCompletedExceptionally()) {
            queue.prioritise(existing.ticket(), needAt);
            return existing;
        }
        StagingQueue.Ticket<ModelHandler<IN, P>> ticket = queue.submit(needAt, budget -> load(release, budget),
                phase -> overLimit(release, phase), ModelHandler::close);
        SharedLoad<IN, P> load = new SharedLoad<>(key, ticket);
        loads.put(key, load);
        return load;
    }

    private static ModelLoadException overLimit(ModelRelease release, LoadBudget.Phase phase) {
        return new ModelLoadException(release.modelId(), null, ModelLoadException.Reason.valueOf(phase + "_TIMEOUT"),
                "staging took longer than its " + phase.name().toLowerCase(java.util.Locale.ROOT) + " time limit");
    }

    /** Runs on a staging thread: the variant served here, chosen (and timed) by the latency-budget gate. */
    private ModelHandler<IN, P> load(ModelRelease release, LoadBudget budget) throws Exception {
        return gate.load(release, new LatencyBudgetGate.Loader<>() {
            @Override
            public void verify(ModelRelease file) throws Exception {
                budget.enter(LoadBudget.Phase.FETCH);
                fetch(file).close();
            }

            @Override
            public ModelHandler<IN, P> load(ModelRelease file) throws Exception {
                budget.enter(LoadBudget.Phase.FETCH);
                try (ModelStore.Lease held = fetch(file)) {
                    return factory.load(file, held.path(), budget);
                }
            }
        });
    }

    /** Fetches one file (with retries, cache first) and verifies its size and sha256. */
    private ModelStore.Lease fetch(ModelRelease release) throws Exception {
        ModelStore.Lease lease = null;
        for (int attempt = 1; lease == null; attempt++) {
            try {
                lease = store.lease(release, fetcher);
            } catch (ModelFetchException e) {
                if (!e.retriable() || attempt >= FETCH_ATTEMPTS || closing) {
                    throw e;
                }
                Thread.sleep(200L * attempt);
            }
        }
        return lease;
    }

    /**
     * Waits up to the load timeout for {@code model}, letting {@code others} run meanwhile;
     * returns its handler, or null if staging failed (then ask {@link #reject}).
     *
     * @throws IllegalStateException if it is still loading after the load timeout
     */
    ModelHandler<IN, P> await(Staged<IN, P> model, Yield others) throws Exception {
        if (!model.handler.isDone()) {
            metrics.recordsWaitedForLoad.inc();
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MILLISECONDS.toNanos(loadTimeoutMillis);
            try {
                while (!model.handler.isDone()) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("model " + model.release.modelId() + " is still loading"
                                + " after " + loadTimeoutMillis + " ms; records that need it cannot be scored"
                                + " (raise the load timeout if the model is that large)");
                    }
                    if (!others.tryYield()) {
                        waitBriefly(model.handler);
                    }
                }
            } finally {
                metrics.loadWaitMillis.inc(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
        }
        return model.isFailed() ? null : model.handler();
    }

    /** {@link #await(Staged, Yield)} with nothing else to run meanwhile. */
    ModelHandler<IN, P> await(Staged<IN, P> model) throws Exception {
        return await(model, () -> false);
    }

    private static void waitBriefly(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(StagingQueue.WATCHDOG_INTERVAL_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still loading, or failed: the caller looks at the future
        }
    }

    /** Marks {@code model}'s release as having scored records; true the first time (report it ACTIVE). */
    boolean markServed(Staged<IN, P> model) {
        return served.add(model.release.releaseId());
    }

    /** Marks {@code model} reported as staged; true the first time. */
    boolean markReported(Staged<IN, P> model) {
        boolean first = !model.reported;
        model.reported = true;
        return first;
    }

    /** Stagings that finished (loaded or failed) and were not reported yet. */
    List<Staged<IN, P>> finishedUnreported() {
        List<Staged<IN, P>> result = new ArrayList<>();
        for (Staged<IN, P> model : staged.values()) {
            if (model.handler.isDone() && !model.reported) {
                result.add(model);
            }
        }
        return result;
    }

    /** Ready stagings (for heartbeats). */
    List<Staged<IN, P>> ready() {
        return staged.values().stream().filter(Staged::isReady).toList();
    }

    /**
     * Drops a failed staging and says why. Empty when the failure only says the stager is
     * shutting down (no verdict on the model).
     *
     * @throws IllegalStateException for a failure that is neither a fetch nor a load failure:
     *     fail over loudly rather than guess
     */
    Optional<Rejection> reject(Staged<IN, P> model) {
        staged.remove(model.release.releaseId());
        closeUnusedLoads();
        Throwable cause = model.handler.handle((handler, error) -> error).join();
        if (cause instanceof CompletionException wrapped) {
            cause = wrapped.getCause();
        }
        if (cause == null) {
            throw new IllegalArgumentException("staging of " + model.release.releaseId() + " did not fail");
        }
        if (cause instanceof ModelLoadException load) {
            return Optional.of(new Rejection(model.release, load.reason().name(), cause.getMessage()));
        }
        if (cause instanceof ModelFetchException fetch) {
            return Optional.of(new Rejection(model.release, fetch.reason().name(), cause.getMessage()));
        }
        if (cause instanceof InterruptedException || closing) {
            return Optional.empty();
        }
        throw new IllegalStateException("staging " + model.release.modelId() + " failed unexpectedly", cause);
    }

    /**
     * Retires every ready staging whose release is not in {@code neededIds}, closes the sessions
     * no staged release uses, and trims the model cache (on the staging thread) to
     * {@code pinnedSha256} plus what is still staged.
     *
     * @return the retired stagings
     */
    List<Staged<IN, P>> retireAllBut(Set<String> neededIds, Set<String> pinnedSha256) {
        List<Staged<IN, P>> retired = new ArrayList<>();
        staged.values().removeIf(model -> !neededIds.contains(model.release.releaseId()) && model.isReady()
                && retired.add(model));
        if (retired.isEmpty()) {
            return retired;
        }
        closeUnusedLoads();
        Set<String> pinned = new HashSet<>(pinnedSha256);
        staged.values().forEach(m -> pinned.add(m.release.sha256()));
        // Evicting touches the disk: do it in the background, not on the task thread.
        queue.runInBackground(() -> {
            try {
                store.retain(pinned);
            } catch (java.io.IOException e) {
                LOG.warn("could not trim the model cache {}: {}", store.root(), e.toString());
            }
        });
        return retired;
    }

    /** Closes every shared session no staged release uses any more (native memory freed). */
    private void closeUnusedLoads() {
        Set<String> used = new HashSet<>();
        staged.values().forEach(m -> used.add(m.load.key()));
        loads.values().removeIf(load -> {
            if (used.contains(load.key()) || !load.handler().isDone()) {
                return false;
            }
            if (!load.handler().isCompletedExceptionally()) {
                load.handler().join().close();
            }
            return true;
        });
    }

    /** Stops the staging thread and closes every handler, now or when it finishes loading. */
    @Override
    public void close() {
        closing = true;
        queue.close();
        Collection<SharedLoad<IN, P>> all = new ArrayList<>(loads.values());
        loads.clear();
        staged.clear();
        for (SharedLoad<IN, P> load : all) {
            load.handler().whenComplete((handler, error) -> {
                if (handler != null) {
                    handler.close();
                }
            });
        }
    }
}

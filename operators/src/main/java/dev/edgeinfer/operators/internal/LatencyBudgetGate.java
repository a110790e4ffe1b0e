package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.operators.internal.VariantSelection.Measurement;
import dev.edgeinfer.operators.internal.VariantSelection.Outcome;
import dev.edgeinfer.operators.model.ModelHandler;
import dev.edgeinfer.operators.runtime.ModelLoadException;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides which file of a release a TaskManager serves, and whether it may serve it at all: the
 * most faithful {@link ModelVariant} its hardware runs whose p99 batch latency fits the job's
 * latency budget. Called by {@link ModelStager} on its staging thread, before the activation
 * time, while the current version keeps serving.
 *
 * <pre>{@code
 * LatencyBudgetGate<Frame, TopK> gate = new LatencyBudgetGate<>(Duration.ofMillis(40).toNanos(), batch, "job|1");
 * ModelHandler<Frame, TopK> handler = gate.load(release, loader); // a ChosenModel
 * ModelId servedBy = LatencyBudgetGate.servedId(handler, release); // the variant's sha256
 * }</pre>
 *
 * <p><b>How it chooses.</b> Variants the hardware cannot run ({@link HardwareProfile}: CPU flags,
 * execution provider) are skipped; all others are fetched and sha256-verified first, so a
 * tampered variant rejects the release whichever one would be chosen. Without a budget the most
 * faithful runnable variant is served, unmeasured. With one, variants are tried most faithful
 * first (then smallest, then by kind): each is loaded and warmed up, then timed on batches of the
 * job's size through the handler (the job's ONNX Runtime threads) for {@value #MAX_RUNS} runs or
 * {@value #MAX_MEASURE_MILLIS} ms (at least {@value #MIN_RUNS} runs); its nearest-rank p99 must be
 * within the budget. A trial ends early once more runs were over budget than a p99 of
 * {@value #MAX_RUNS} runs leaves out, so a far too slow model costs a few batches. (Under 100 runs
 * the p99 is the slowest run: a slow model timed for the minimum runs must not stall once.) The
 * first that fits is chosen. With one ONNX Runtime intra-op thread (the default) the model runs
 * on the calling thread, and runs are timed by that thread's CPU time: on a shared or overloaded
 * host the wall clock also counts time other processes held the core (a sub-millisecond scorer
 * was seen at 85 ms "p99" on a 2-core VM at load 15), which says nothing about the model; on a
 * dedicated edge box the two agree. With more threads the wall clock is used. A single-file release is its only candidate: a model far slower
 * than the budget is refused, not served. None fits: {@link ModelLoadException.Reason#LATENCY_BUDGET}.
 *
 * <p><b>Guarantees and caveats.</b> All subtasks of a job in one TaskManager JVM make the same
 * choice: the first to stage a release measures, the others wait for and reuse its
 * {@link VariantSelection} ({@link SharedSelections}, keyed by job, release, budget, batch size
 * and threads); they also avoid timing each other. TaskManagers on the same kind of hardware
 * measure independently: they choose alike unless a variant's p99 lies within measurement noise
 * of the budget — leave headroom. Timings are taken while this TaskManager keeps scoring with the
 * current version, as it will in production.
 *
 * @param <IN> records scored
 * @param <P> prediction per record
 */
@Internal
final class LatencyBudgetGate<IN, P> {

    /** Runs at the job's batch size before timing (the handler factory already warmed the model up). */
    static final int WARMUP_RUNS = 1;
    static final int MAX_RUNS = 200;
    /** Runs timed at least, however long they take (unless the variant is already over budget). */
    static final int MIN_RUNS = 5;
    static final long MAX_MEASURE_MILLIS = 5_000;
    /** Runs of {@link #MAX_RUNS} the nearest-rank p99 leaves out: one more and a variant cannot fit. */
    static final int OVER_BUDGET_RUNS_ALLOWED = MAX_RUNS - (int) Math.ceil(0.99 * MAX_RUNS);

    /** Fetches and verifies, or fetches and loads, one file of a release; the staging thread's own steps. */
    interface Loader<IN, P> {
        void verify(ModelRelease file) throws Exception;

        ModelHandler<IN, P> load(ModelRelease file) throws Exception;
    }

    private final long budgetNanos;
    private final List<IN> batch;
    private final String scope;
    private final HardwareProfile hardware;
    private final boolean threadCpuClock;

    /**
     * @param budgetNanos p99 budget per batch; 0: no budget (nothing measured)
     * @param batch the records one benchmarked batch scores (the job's batch size)
     * @param scope what makes a choice shareable besides the release: the job and its ONNX threads
     */
    LatencyBudgetGate(long budgetNanos, List<IN> batch, String scope, HardwareProfile hardware) {
        this(budgetNanos, batch, scope, hardware, false);
    }

    /**
     * @param threadCpuClock time batches by the staging thread's CPU time instead of the wall
     *     clock: right when the model runs on the calling thread only (ONNX Runtime with one
     *     intra-op thread, the default), and immune to other processes preempting the measurement
     */
    LatencyBudgetGate(long budgetNanos, List<IN> batch, String scope, HardwareProfile hardware, boolean threadCpuClock) {
        if (budgetNanos < 0) {
            throw new IllegalArgumentException("latency budget must be >= 0 ns, got " + budgetNanos);
        }
        if (budgetNanos > 0 && batch.isEmpty()) {
            throw new IllegalArgumentException("a latency budget needs a non-empty benchmark batch");
        }
        this.budgetNanos = budgetNanos;
        this.batch = List.copyOf(batch);
        this.scope = scope;
        this.hardware = hardware;
        this.threadCpuClock = threadCpuClock && CPU_TIME.isCurrentThreadCpuTimeSupported();
    }

    private static final java.lang.management.ThreadMXBean CPU_TIME =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private long now() {
        return threadCpuClock ? CPU_TIME.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Which clock the runs were timed with, as reported: {@code thread-cpu} or {@code wall}. */
    String clock() {
        return threadCpuClock ? "thread-cpu" : "wall";
    }

    /**
     * The gate of one job: its budget, a batch of the job's maximum size cycled from the adapter's
     * warm-up records, shared per (site, job, model, ONNX threads).
     */
    static <IN, P> LatencyBudgetGate<IN, P> forJob(InferenceSettings<IN, P, ?> settings) {
        if (settings.latencyBudgetNanos() == 0) {
            return unbounded();
        }
        List<IN> sample = settings.adapter().warmupBatch();
        List<IN> batch = new ArrayList<>(settings.batchMaxSize());
        for (int i = 0; i < settings.batchMaxSize(); i++) {
            batch.add(sample.get(i % sample.size()));
        }
        String scope = settings.siteId() + "|" + settings.jobName() + "|" + settings.modelName() + "|"
                + settings.runnerOptions().intraOpThreads();
        boolean callingThreadOnly = settings.runnerOptions().intraOpThreads() == 1;
        return new LatencyBudgetGate<>(
                settings.latencyBudgetNanos(), batch, scope, HardwareProfile.local(), callingThreadOnly);
    }

    /** No budget: serves the most faithful variant the hardware runs. */
    static <IN, P> LatencyBudgetGate<IN, P> unbounded() {
        return new LatencyBudgetGate<>(0, List.of(), "", HardwareProfile.local());
    }

    /** The model identity results carry: the release's version with the served variant's sha256. */
    static ModelId servedId(ModelHandler<?, ?> handler, ModelRelease release) {
        return handler instanceof ChosenModel<?, ?> chosen
                ? ModelId.of(release.model(), release.version(), chosen.variant().sha256())
                : release.modelId();
    }

    /** The status-topic detail of a staged release: its variant choice, or null. */
    static String choiceDetail(ModelHandler<?, ?> handler) {
        return handler instanceof ChosenModel<?, ?> chosen ? chosen.selection().toJson() : null;
    }

    /**
     * Chooses, loads and returns the variant of {@code release} this TaskManager serves (a
     * {@link ChosenModel}).
     *
     * @throws ModelLoadException {@code UNSUPPORTED_HARDWARE} or {@code LATENCY_BUDGET}, or as the
     *     loader throws (e.g. a variant's bytes fail their sha256)
     */
    ModelHandler<IN, P> load(ModelRelease release, Loader<IN, P> loader) throws Exception {
        if (!release.hasVariants() && budgetNanos == 0) {
            return loader.load(release); // nothing to choose, nothing to time: served as it always was
        }
        List<ModelVariant> runnable = new ArrayList<>();
        List<Measurement> skipped = new ArrayList<>();
        for (ModelVariant v : release.candidates()) {
            if (v.runsOn(hardware.cpuFlags(), hardware.providers())) {
                runnable.add(v);
            } else {
                skipped.add(new Measurement(v, Outcome.UNSUPPORTED_HARDWARE, Double.NaN, 0));
            }
        }
        String hw = hardware.describe(release.candidates());
        if (runnable.isEmpty()) {
            throw new ModelLoadException(release.modelId(), null, ModelLoadException.Reason.UNSUPPORTED_HARDWARE,
                    "no variant runs on this hardware (" + hw + "): "
                            + new VariantSelection(null, budgetMs(), batch.size(), hw, clock(), skipped).toJson());
        }
        runnable.sort(Comparator.comparingDouble(ModelVariant::fidelity).reversed()
                .thenComparingLong(ModelVariant::sizeBytes).thenComparing(ModelVariant::kind));
        if (release.hasVariants()) {
            for (ModelVariant v : runnable) {
                loader.verify(release.forVariant(v));
            }
        }
        if (budgetNanos == 0) {
            ModelVariant best = runnable.get(0);
            List<Measurement> all = new ArrayList<>(skipped);
            all.add(new Measurement(best, Outcome.FITS, Double.NaN, 0));
            return new ChosenModel<>(loader.load(release.forVariant(best)), best,
                    new VariantSelection(best, 0, batch.size(), hw, clock(), all));
        }
        String key = scope + "|" + release.releaseId() + "|" + release.variants() + "|" + budgetNanos + "|"
                + batch.size() + "|" + hw;
        ChosenModel<IN, P>[] measured = newHolder();
        VariantSelection selection =
                SharedSelections.choose(key, () -> measure(release, runnable, skipped, hw, loader, measured));
        if (selection.chosen() == null) {
            throw new ModelLoadException(release.modelId(), null, ModelLoadException.Reason.LATENCY_BUDGET,
                    "no variant runnable here has a p99 within the latency budget of " + budgetMs() + " ms per batch of "
                            + batch.size() + ": " + selection.toJson());
        }
        if (measured[0] != null) {
            return measured[0];
        }
        ModelVariant chosen = selection.chosen();
        return new ChosenModel<>(loader.load(release.forVariant(chosen)), chosen, selection);
    }

    @SuppressWarnings("unchecked")
    private static <IN, P> ChosenModel<IN, P>[] newHolder() {
        return (ChosenModel<IN, P>[]) new ChosenModel<?, ?>[1];
    }

    /** Tries {@code runnable} in order; the first that fits stays loaded in {@code kept[0]}. */
    private VariantSelection measure(ModelRelease release, List<ModelVariant> runnable, List<Measurement> skipped,
            String hw, Loader<IN, P> loader, ChosenModel<IN, P>[] kept) throws Exception {
        List<Measurement> all = new ArrayList<>(skipped);
        ModelVariant chosen = null;
        ModelHandler<IN, P> chosenHandler = null;
        for (ModelVariant v : runnable) {
            if (chosen != null) {
                all.add(new Measurement(v, Outcome.NOT_NEEDED, Double.NaN, 0));
                continue;
            }
            ModelHandler<IN, P> handler = loader.load(release.forVariant(v));
            Measurement m;
            try {
                m = time(v, handler);
            } catch (RuntimeException | Error e) {
                handler.close();
                throw e;
            }
            all.add(m);
            if (m.outcome() == Outcome.FITS) {
                chosen = v;
                chosenHandler = handler;
            } else {
                handler.close();
            }
        }
        VariantSelection selection = new VariantSelection(chosen, budgetMs(), batch.size(), hw, clock(), all);
        if (chosen != null) {
            kept[0] = new ChosenModel<>(chosenHandler, chosen, selection);
        }
        return selection;
    }

    private Measurement time(ModelVariant variant, ModelHandler<IN, P> handler) {
        for (int i = 0; i < WARMUP_RUNS; i++) {
            handler.predict(batch);
        }
        long[] runs = new long[MAX_RUNS];
        int n = 0;
        int over = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MEASURE_MILLIS);
        while (n < MAX_RUNS && (n < MIN_RUNS || System.nanoTime() < deadline)) {
            long started = now();
            handler.predict(batch);
            runs[n] = now() - started;
            over += runs[n++] > budgetNanos ? 1 : 0;
            if (over > OVER_BUDGET_RUNS_ALLOWED) {
                // More runs over budget than the p99 of MAX_RUNS runs tolerates: it cannot fit.
                return new Measurement(variant, Outcome.OVER_BUDGET, p99Millis(runs, n), n);
            }
        }
        double p99 = p99Millis(runs, n);
        return new Measurement(variant, p99 * 1e6 <= budgetNanos ? Outcome.FITS : Outcome.OVER_BUDGET, p99, n);
    }

    /** Nearest-rank p99 of the first {@code n} runs, in milliseconds. */
    static double p99Millis(long[] runs, int n) {
        long[] sorted = Arrays.copyOf(runs, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(0.99 * n);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    private double budgetMs() {
        return budgetNanos / 1e6;
    }

    /** The served variant's handler, with the variant and how it was chosen. */
    static final class ChosenModel<IN, P> implements ModelHandler<IN, P> {
        private final ModelHandler<IN, P> delegate;
        private final ModelVariant variant;
        private final VariantSelection selection;

        ChosenModel(ModelHandler<IN, P> delegate, ModelVariant variant, VariantSelection selection) {
            this.delegate = delegate;
            this.variant = variant;
            this.selection = selection;
        }

        ModelVariant variant() {
            return variant;
        }

        VariantSelection selection() {
            return selection;
        }

        @Override
        public dev.edgeinfer.broadcast.release.ModelSignature signature() {
            return delegate.signature();
        }

        @Override
        public List<P> predict(List<IN> records) {
            return delegate.predict(records);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}

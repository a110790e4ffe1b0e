package dev.edgeinfer.operators.internal;

import dev.edgeinfer.operators.model.LoadBudget;
import dev.edgeinfer.operators.model.StagingLimits;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs stagings by need: at most {@link StagingLimits#concurrency()} at once, the one needed
 * soonest (smallest {@code needAt}: an activation time, or {@link Long#MIN_VALUE} for a record
 * waiting now) first, each phase within its time limit.
 *
 * <pre>{@code
 * StagingQueue queue = new StagingQueue("stager-0", StagingLimits.DEFAULTS);
 * StagingQueue.Ticket<Handler> t = queue.submit(release.activateAt(), budget -> load(release, budget),
 *         phase -> new ModelLoadException(id, null, Reason.LOAD_TIMEOUT, "..."), Handler::close);
 * queue.prioritise(t, Long.MIN_VALUE);   // a record needs it now
 * t.result().join();
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A staging due later never delays one due sooner by more than
 * the time limits of those already running: a job over its phase's limit is expired (its
 * {@link LoadBudget} expiry hook runs, e.g. terminating an ONNX Runtime run), its result fails
 * with the timeout error, its thread is interrupted and its slot freed at once. What an
 * abandoned job returns later goes to {@code discard} (closed, never leaked). Thread-safe.
 */
@Internal
final class StagingQueue implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StagingQueue.class);
    static final long WATCHDOG_INTERVAL_MS = 50;

    /** One staging's work, within its budget. */
    @FunctionalInterface
    interface Job<T> {
        T run(LoadBudget budget) throws Exception;
    }

    /** A submitted job: its result completes when it finishes, fails or expires. */
    static final class Ticket<T> {
        private final long seq;
        private long needAt;
        private final Job<T> job;
        private final LoadBudget budget;
        private final Function<LoadBudget.Phase, Exception> timeout;
        private final Consumer<T> discard;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private Thread thread;

        private Ticket(long seq, long needAt, Job<T> job, LoadBudget budget,
                Function<LoadBudget.Phase, Exception> timeout, Consumer<T> discard) {
            this.seq = seq;
            this.needAt = needAt;
            this.job = job;
            this.budget = budget;
            this.timeout = timeout;
            this.discard = discard;
        }

        CompletableFuture<T> result() {
            return result;
        }
    }

    private final String threadName;
    private final StagingLimits limits;
    private final Object lock = new Object();
    private final PriorityQueue<Ticket<?>> pending =
            new PriorityQueue<>(Comparator.<Ticket<?>>comparingLong(t -> t.needAt).thenComparingLong(t -> t.seq));
    private final Set<Ticket<?>> running = new HashSet<>();
    private final ScheduledExecutorService watchdog;
    private final ExecutorService maintenance;
    private long nextSeq;
    private int started;
    private boolean closed;

    StagingQueue(String threadName, StagingLimits limits) {
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon(threadName + "-watchdog"));
        this.maintenance = Executors.newSingleThreadExecutor(daemon(threadName + "-maintenance"));
        watchdog.scheduleWithFixedDelay(this::expireOverdue, WATCHDOG_INTERVAL_MS, WATCHDOG_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Queues {@code job}, needed at {@code needAt}.
     *
     * @param timeout the error a result fails with when the job is over the limit of a phase
     * @param discard closes what a job returns after its result was already decided
     */
    <T> Ticket<T> submit(long needAt, Job<T> job, Function<LoadBudget.Phase, Exception> timeout,
            Consumer<T> discard) {
        Ticket<T> ticket;
        synchronized (lock) {
            ticket = new Ticket<>(nextSeq++, needAt, job, new LoadBudget(limits), timeout, discard);
            if (closed) {
                ticket.result.completeExceptionally(new InterruptedException("staging queue closed"));
                return ticket;
            }
            pending.add(ticket);
        }
        startDue();
        return ticket;
    }

    /** Moves a queued {@code ticket} to {@code needAt} if that is sooner; no effect once it runs. */
    void prioritise(Ticket<?> ticket, long needAt) {
        synchronized (lock) {
            if (needAt < ticket.needAt && pending.remove(ticket)) {
                ticket.needAt = needAt;
                pending.add(ticket);
            }
        }
    }

    /** Runs {@code task} (cache housekeeping) on a background thread, never on a staging slot. */
    void runInBackground(Runnable task) {
        maintenance.execute(task);
    }

    /** Jobs started so far (for tests of the order). */
    int started() {
        synchronized (lock) {
            return started;
        }
    }

    private void startDue() {
        List<Ticket<?>> toStart = new ArrayList<>();
        synchronized (lock) {
            while (!closed && running.size() < limits.concurrency() && !pending.isEmpty()) {
                Ticket<?> next = pending.poll();
                running.add(next);
                started++;
                toStart.add(next);
            }
        }
        toStart.forEach(this::start);
    }

    private <T> void start(Ticket<T> ticket) {
        Thread thread = new Thread(() -> runJob(ticket), threadName + "-" + ticket.seq);
        thread.setDaemon(true);
        synchronized (lock) {
            ticket.thread = thread;
        }
        thread.start();
    }

    private <T> void runJob(Ticket<T> ticket) {
        try {
            T value = ticket.job.run(ticket.budget);
            if (!ticket.result.complete(value) && value != null) {
                ticket.discard.accept(value); // expired meanwhile: nobody will use it
            }
        } catch (Throwable t) {
            ticket.result.completeExceptionally(t);
        } finally {
            finished(ticket);
        }
    }

    private void finished(Ticket<?> ticket) {
        boolean freed;
        synchronized (lock) {
            freed = running.remove(ticket);
        }
        if (freed) {
            startDue();
        }
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        List<Ticket<?>> snapshot;
        synchronized (lock) {
            snapshot = new ArrayList<>(running);
        }
        for (Ticket<?> ticket : snapshot) {
            LoadBudget.Phase phase = ticket.budget.overdue(now);
            if (phase == null) {
                continue;
            }
            try {
                ticket.budget.expire(phase);
            } catch (RuntimeException e) {
                LOG.warn("could not stop a staging over its {} time limit: {}", phase, e.toString());
            }
            ticket.result.completeExceptionally(ticket.timeout.apply(phase));
            Thread thread;
            synchronized (lock) {
                thread = ticket.thread;
            }
            if (thread != null) {
                thread.interrupt();
            }
            finished(ticket);
        }
    }

    /** Fails what is queued, stops what runs (what it returns later is discarded). */
    @Override
    public void close() {
        List<Ticket<?>> toStop;
        List<Thread> threads = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            toStop = new ArrayList<>(running);
            toStop.addAll(pending);
            pending.clear();
            running.forEach(t -> threads.add(t.thread));
        }
        watchdog.shutdownNow();
        maintenance.shutdownNow();
        for (Ticket<?> ticket : toStop) {
            ticket.result.completeExceptionally(new InterruptedException("staging queue closed"));
            ticket.budget.expire(ticket.budget.phase() == null ? LoadBudget.Phase.FETCH : ticket.budget.phase());
        }
        threads.stream().filter(Objects::nonNull).forEach(Thread::interrupt);
    }
}

package dev.edgeinfer.operators.model;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * The budget of one staging, shared by the staging thread (which says which phase it is in and
 * how a stuck native call can be stopped) and the watchdog that enforces the
 * {@link StagingLimits}.
 *
 * <pre>{@code
 * budget.enter(LoadBudget.Phase.WARMUP);
 * try (OrtSession.RunOptions run = new OrtSession.RunOptions()) {
 *     budget.onExpiry(() -> run.setTerminate(true));
 *     session.run(inputs, run);
 * } finally {
 *     budget.onExpiry(null);
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Thread-safe. Once {@link #expire expired} it stays expired:
 * {@link #enter} then throws, and the expiry hook registered at that moment (or later) runs
 * once, on the watchdog's thread. A {@link ModelHandlerFactory} that ignores the budget is still
 * bounded (its staging is abandoned and whatever it returns closed) but cannot be stopped early.
 */
@PublicEvolving
public final class LoadBudget {

    /** The phases of a staging, each with its own time limit. */
    public enum Phase {
        FETCH,
        LOAD,
        WARMUP
    }

    private final StagingLimits limits;
    private Phase phase;
    private long phaseStartedNanos;
    private Phase expiredIn;
    private Runnable onExpiry;

    public LoadBudget(StagingLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits this budget enforces. */
    public StagingLimits limits() {
        return limits;
    }

    /**
     * Starts {@code next}: its time limit counts from now.
     *
     * @throws IllegalStateException if the budget already expired (stop staging)
     */
    public synchronized void enter(Phase next) {
        if (expiredIn != null) {
            throw new IllegalStateException("staging abandoned: over the " + expiredIn + " time limit");
        }
        phase = Objects.requireNonNull(next, "next");
        phaseStartedNanos = System.nanoTime();
    }

    /** The phase now, or null before the first. */
    public synchronized Phase phase() {
        return phase;
    }

    /** Sets (or clears, with null) what stops the running call if the budget expires; runs it now if it has. */
    public void onExpiry(Runnable hook) {
        boolean runNow;
        synchronized (this) {
            onExpiry = hook;
            runNow = expiredIn != null && hook != null;
        }
        if (runNow) {
            hook.run();
        }
    }

    /** The phase whose time limit passed at {@code nowNanos}, or null while within limits. */
    public synchronized Phase overdue(long nowNanos) {
        if (phase == null || expiredIn != null) {
            return null;
        }
        return nowNanos - phaseStartedNanos > limits.limitOf(phase).toNanos() ? phase : null;
    }

    /** Marks the budget expired in {@code phase} and runs the expiry hook, if any. */
    public void expire(Phase in) {
        Runnable hook;
        synchronized (this) {
            if (expiredIn != null) {
                return;
            }
            expiredIn = Objects.requireNonNull(in, "in");
            hook = onExpiry;
        }
        if (hook != null) {
            hook.run();
        }
    }

    /** Whether the budget expired. */
    public synchronized boolean expired() {
        return expiredIn != null;
    }
}

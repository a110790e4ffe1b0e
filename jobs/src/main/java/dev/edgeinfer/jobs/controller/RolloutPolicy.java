package dev.edgeinfer.jobs.controller;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the rollout controller rolls a version back or promotes it. Every threshold has a trip
 * value and a (stricter) clear value: a version trips (and is rolled back) when one measure is
 * past its trip value, and counts as healthy only while every measure is within its clear value;
 * in between it is neither, so a measure hovering around one threshold never flaps between
 * decisions. A canary or site wave is promoted after it has been healthy for {@code promoteDwell}
 * without a break.
 *
 * @param minRecords records a version must have scored in the window before it is judged at all
 * @param window how far back (wall clock, by heartbeat time) the evidence reaches
 * @param promoteDwell how long a canary or site wave must stay healthy before it is promoted
 * @param tripErrorRate error rate (exceptions and NaN/Inf outputs) above which a version is rolled back
 * @param clearErrorRate error rate at or below which it counts as healthy
 * @param latencyBudgetMicros p99 model-call latency above which it is rolled back; 0: not judged
 * @param clearLatencyFraction share of the budget at or below which the p99 counts as healthy
 * @param tripPsi output drift (PSI of the score bins against the previous version) above which it is rolled back
 * @param clearPsi drift at or below which it counts as healthy
 * @param tripAgreement shadow agreement below which it is rolled back (judged only when heartbeats report one)
 * @param clearAgreement shadow agreement at or above which it counts as healthy
 * @param activationLead how far after the deciding heartbeat (event time) the published release activates
 */
public record RolloutPolicy(
        long minRecords,
        Duration window,
        Duration promoteDwell,
        double tripErrorRate,
        double clearErrorRate,
        long latencyBudgetMicros,
        double clearLatencyFraction,
        double tripPsi,
        double clearPsi,
        double tripAgreement,
        double clearAgreement,
        Duration activationLead)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The defaults of {@code ControllerJobOptions}. */
    public static final RolloutPolicy DEFAULTS = new RolloutPolicy(200, Duration.ofSeconds(60), Duration.ofSeconds(60),
            0.02, 0.005, 0, 0.8, 0.25, 0.1, 0.9, 0.97, Duration.ofSeconds(5));

    public RolloutPolicy {
        if (minRecords < 1) {
            throw new IllegalArgumentException("minRecords must be >= 1, got " + minRecords);
        }
        positive("window", window);
        positive("promoteDwell", promoteDwell);
        positive("activationLead", activationLead);
        ordered("clearErrorRate", clearErrorRate, "tripErrorRate", tripErrorRate, 1);
        ordered("clearPsi", clearPsi, "tripPsi", tripPsi, Double.MAX_VALUE);
        ordered("tripAgreement", tripAgreement, "clearAgreement", clearAgreement, 1);
        if (latencyBudgetMicros < 0) {
            throw new IllegalArgumentException("latencyBudgetMicros must be >= 0 (0: not judged), got " + latencyBudgetMicros);
        }
        if (!(clearLatencyFraction > 0 && clearLatencyFraction <= 1)) {
            throw new IllegalArgumentException("clearLatencyFraction must be in (0, 1], got " + clearLatencyFraction);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }

    /** {@code low <= high}, both in {@code [0, max]}: the clear side must be stricter than the trip side. */
    private static void ordered(String lowName, double low, String highName, double high, double max) {
        if (!(low >= 0 && high <= max && low <= high)) {
            throw new IllegalArgumentException(lowName + " (" + low + ") must be <= " + highName + " (" + high
                    + "), both in [0, " + max + "]: set the clear threshold on the healthy side of the trip threshold");
        }
    }
}

package dev.edgeinfer.operators;

import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.operators.model.StagingLimits;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The options of {@link VersionedInference.Builder} on how versions are staged and chosen
 * (staging limits, latency budget, warm start) and how a site takes part in a fleet (its labels,
 * the health its heartbeats report, what a deprecation advisory does). Every one has a default.
 *
 * @param <P> prediction per record
 * @param <B> the builder, returned by every setter
 */
abstract class ServingOptions<P, B extends ServingOptions<P, B>> {
    StagingLimits stagingLimits = StagingLimits.DEFAULTS;
    Duration latencyBudget = Duration.ZERO;
    Duration warmup = Duration.ofSeconds(3);
    Map<String, String> siteLabels = Map.of();
    PredictionSummary<P> predictionSummary = PredictionSummary.none();
    DeprecationPolicy deprecationPolicy = DeprecationPolicy.FLAG;

    ServingOptions() {}

    abstract B self();

    /**
     * The bounds on staging a version (time limits of fetch, load and warm-up, the warm-up's
     * memory, stagings at once): a release over one is rejected, the current version keeps
     * serving. Default {@link StagingLimits#DEFAULTS}.
     */
    public B setStagingLimits(StagingLimits stagingLimits) {
        this.stagingLimits = Objects.requireNonNull(stagingLimits, "stagingLimits");
        return self();
    }

    /**
     * The site's labels ({@code key=value}, e.g. {@code wave=1}): releases that target labels
     * apply here when one matches ({@link SiteIdentity}); heartbeats carry them too.
     */
    public B setSiteLabels(Map<String, String> siteLabels) {
        this.siteLabels = Map.copyOf(Objects.requireNonNull(siteLabels, "siteLabels"));
        return self();
    }

    /** What a deprecation advisory of a version served does: report it (FLAG, the default) or also roll back. */
    public B setDeprecationPolicy(DeprecationPolicy deprecationPolicy) {
        this.deprecationPolicy = Objects.requireNonNull(deprecationPolicy, "deprecationPolicy");
        return self();
    }

    /**
     * The p99 latency one batch of {@code batch.max-size} records may take: while staging a
     * release, each TaskManager times the variants its hardware runs and serves the most
     * faithful one within it; if none fits (a single-file release: if its file does not) the
     * release is rejected there with {@code LATENCY_BUDGET} and the current version keeps
     * serving. {@link Duration#ZERO} (the default): no budget, nothing timed, the most faithful
     * runnable variant serves. Timing uses the adapter's warm-up records.
     */
    public B setLatencyBudget(Duration latencyBudget) {
        this.latencyBudget = nonNegative(latencyBudget, "latency budget must be >= 0 (0: none)");
        return self();
    }

    /**
     * Longest warm start in {@code open()}, before the subtask takes its first record: it waits
     * for the versions serving now to load, then runs the translator, the model and the result
     * builder on the adapter's warm-up batch (nothing of it is emitted). Default 3 s;
     * {@link Duration#ZERO} switches it off (the first records then wait for the load and pay
     * the JIT's compilation).
     */
    public B setWarmup(Duration maxTime) {
        this.warmup = nonNegative(maxTime, "warm-up time must be >= 0");
        return self();
    }

    /**
     * How heartbeats read a prediction (score, top-1 class, anomaly) for each version's output
     * distribution and NaN/Inf count; without it they report volume, latency and failed calls only.
     */
    public B setPredictionSummary(PredictionSummary<P> predictionSummary) {
        this.predictionSummary = Objects.requireNonNull(predictionSummary, "predictionSummary");
        return self();
    }

    private static Duration nonNegative(Duration value, String rule) {
        Objects.requireNonNull(value, rule);
        if (value.isNegative()) {
            throw new IllegalArgumentException(rule + ", got " + value);
        }
        return value;
    }
}

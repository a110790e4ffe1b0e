package dev.edgeinfer.operators.model;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The bounds on staging one model version: a time limit for each phase (fetch, load, warm-up),
 * the most memory one intermediate tensor of the warm-up may need, and how many releases stage
 * at once.
 *
 * <pre>{@code
 * VersionedInference.<SensorWindow, Float, SensorResult>builder()
 *     .setStagingLimits(new StagingLimits(Duration.ofSeconds(60), Duration.ofSeconds(30),
 *             Duration.ofSeconds(30), 512L << 20, 2))
 *     ...
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A release over a limit is rejected with {@code FETCH_TIMEOUT},
 * {@code LOAD_TIMEOUT}, {@code WARMUP_TIMEOUT} or {@code RESOURCE_LIMIT} while the current
 * version keeps serving; its session is closed when (if ever) the abandoned call returns, and a
 * running warm-up is terminated through ONNX Runtime. The memory bound is checked before the
 * model runs, on the tensor sizes its graph declares or that follow from its constant shapes
 * (batch dimensions counted at the warm-up batch size): a graph whose sizes cannot be inferred
 * before running is bounded by the warm-up time limit only.
 *
 * @param fetchTimeout longest time to fetch and verify the bytes
 * @param loadTimeout longest time to load them into a session (and check its signature)
 * @param warmupTimeout longest time for the warm-up predictions
 * @param warmupMaxTensorBytes largest intermediate tensor the warm-up may allocate
 * @param concurrency releases staged at once (the ones needed soonest first)
 */
@PublicEvolving
public record StagingLimits(Duration fetchTimeout, Duration loadTimeout, Duration warmupTimeout,
        long warmupMaxTensorBytes, int concurrency) implements Serializable {

    /** Generous defaults for small edge boxes: 2 min fetch, 60 s load, 60 s warm-up, 1 GiB, 2 at once. */
    public static final StagingLimits DEFAULTS = new StagingLimits(
            Duration.ofMinutes(2), Duration.ofSeconds(60), Duration.ofSeconds(60), 1L << 30, 2);

    public StagingLimits {
        for (Duration d : new Duration[] {
            Objects.requireNonNull(fetchTimeout, "fetchTimeout"),
            Objects.requireNonNull(loadTimeout, "loadTimeout"),
            Objects.requireNonNull(warmupTimeout, "warmupTimeout")
        }) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("staging time limits must be > 0, got " + d);
            }
        }
        if (warmupMaxTensorBytes <= 0 || concurrency < 1) {
            throw new IllegalArgumentException("need warmupMaxTensorBytes > 0 and concurrency >= 1, got "
                    + warmupMaxTensorBytes + " and " + concurrency);
        }
    }

    /** The time limit of {@code phase}. */
    public Duration limitOf(LoadBudget.Phase phase) {
        return switch (phase) {
            case FETCH -> fetchTimeout;
            case LOAD -> loadTimeout;
            case WARMUP -> warmupTimeout;
        };
    }
}

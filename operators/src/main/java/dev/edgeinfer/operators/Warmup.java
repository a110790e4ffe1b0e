package dev.edgeinfer.operators;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.MetricGroup;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Runs an operator's hot code on synthetic input in {@code open()}, before the task takes its
 * first record, so the JIT compiles parsing, features, the model call and serialisation on
 * warm-up input instead of on real records: the cold path is paid before data flows, not by the
 * first seconds of results after every deploy, upgrade and failover.
 *
 * <pre>{@code
 * public void open(OpenContext context) {
 *     Warmup.Result warm = Warmup.run("parse readings", maxTime, Warmup.CHEAP_ITERATIONS,
 *             i -> parser.parse(SAMPLES[i % SAMPLES.length], 0L)); // results discarded
 *     warm.register(getRuntimeContext().getMetricGroup());
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The body must be side-effect free towards the job: it calls
 * the same code the record path calls but must never emit, write state or send (the operators
 * that use it call pure functions and discard what they return). Warm-up stops after
 * {@code iterations} calls or when {@code maxTime} has passed, whichever comes first; a
 * {@code maxTime} of zero switches it off. A body that throws fails the warm-up (the task fails
 * in {@code open()}, before it took any record): synthetic input that the real code rejects is
 * a bug, not something to hide. Each operator reports what it did as the gauges
 * {@code edgeinfer.warmupIterations} and {@code edgeinfer.warmupMillis}, and logs it.
 */
@PublicEvolving
public final class Warmup {

    /**
     * Iterations for cheap per-record code (parsing, feature extraction, JSON): enough for
     * HotSpot's C2 to compile the hot methods. Measured for the sensor parser on the shared 2-core
     * VM (README, Performance): the first 500 calls take 3-5 ms each (class loading, interpreter),
     * calls 1,000-5,000 tens to hundreds of microseconds, and from 5,000-10,000 calls on 2-5 us.
     */
    public static final int CHEAP_ITERATIONS = 10_000;

    /**
     * Iterations for a model call (ONNX Runtime through DJL, a batch of the real shape). Measured
     * for the sensor model on the same VM: the first call takes 17-150 ms, the next few hundred
     * 300-500 us, and after 2,000-3,000 calls (DJL's NDArray plumbing and the translator compiled)
     * 100-200 us.
     */
    public static final int MODEL_ITERATIONS = 2_000;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Warmup.class);

    private Warmup() {}

    /** The body of a warm-up: iteration {@code i} runs the hot code once on synthetic input. */
    @FunctionalInterface
    public interface Body {
        void run(int i) throws Exception;
    }

    /**
     * What one operator's warm-up did.
     *
     * @param what the operator (in logs)
     * @param iterations body calls completed
     * @param millis time spent
     * @param timedOut whether {@code maxTime} ended it before all iterations ran
     */
    public record Result(String what, int iterations, long millis, boolean timedOut) {

        /** Registers gauges {@code edgeinfer.warmupIterations} and {@code edgeinfer.warmupMillis} on {@code operatorGroup}. */
        public void register(MetricGroup operatorGroup) {
            MetricGroup group = operatorGroup.addGroup("edgeinfer");
            group.gauge("warmupIterations", this::iterations);
            group.gauge("warmupMillis", this::millis);
        }
    }

    /**
     * Warms the serializer Flink moves {@code samples}' type with: between tasks (a network
     * shuffle serializes and deserializes every record), between chained operators (a copy) and
     * into checkpoints. Round-trips and copies the samples {@link #CHEAP_ITERATIONS} times or until
     * {@code maxTime}; the copies are discarded.
     *
     * @throws Exception if a sample does not survive the round trip (a serializer bug, not to hide)
     */
    public static <T> Result roundTrip(String what, Duration maxTime, TypeSerializer<T> serializer, List<T> samples)
            throws Exception {
        Objects.requireNonNull(serializer, "serializer");
        if (Objects.requireNonNull(samples, "samples").isEmpty()) {
            throw new IllegalArgumentException("no samples to warm " + what + " on");
        }
        DataOutputSerializer out = new DataOutputSerializer(256);
        DataInputDeserializer in = new DataInputDeserializer();
        return run(what, maxTime, CHEAP_ITERATIONS, i -> {
            T sample = samples.get(i % samples.size());
            out.clear();
            serializer.serialize(sample, out);
            in.setBuffer(out.getSharedBuffer(), 0, out.length());
            Objects.requireNonNull(serializer.deserialize(in), "deserialized sample");
            serializer.copy(sample);
        });
    }

    /**
     * Calls {@code body} {@code iterations} times or until {@code maxTime} has passed, and logs
     * what it did.
     *
     * @throws Exception whatever the body threw (the synthetic input is wrong)
     */
    public static Result run(String what, Duration maxTime, int iterations, Body body) throws Exception {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(maxTime, "maxTime");
        Objects.requireNonNull(body, "body");
        if (maxTime.isNegative() || iterations < 0) {
            throw new IllegalArgumentException(
                    "warm-up needs maxTime >= 0 and iterations >= 0, got " + maxTime + " and " + iterations);
        }
        long started = System.nanoTime();
        long deadline = started + maxTime.toNanos();
        int done = 0;
        boolean timedOut = false;
        if (!maxTime.isZero()) {
            while (done < iterations) {
                if (System.nanoTime() - deadline >= 0) {
                    timedOut = true;
                    break;
                }
                body.run(done);
                done++;
            }
        }
        Result result = new Result(what, done, (System.nanoTime() - started) / 1_000_000, timedOut);
        if (timedOut) {
            LOG.warn("warm-up of {} stopped at its time limit {} ms after {} of {} iterations; the first records may be"
                    + " slower", what, maxTime.toMillis(), done, iterations);
        } else {
            LOG.info("warm-up of {}: {} iterations in {} ms", what, done, result.millis());
        }
        return result;
    }
}

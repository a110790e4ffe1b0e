package dev.edgeinfer.simulation;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.operators.Warmup;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What the sensor fleet and the cameras share: one producer sending at a fixed total rate, the
 * sources (devices or cameras) taking turns, and the books on what was sent and what Kafka
 * refused. Each simulator only says what its next record for a source is.
 */
public abstract class FleetSimulator implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String clientId;
    private final int sources;
    private final double ratePerSecond;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicReference<Exception> firstSendError = new AtomicReference<>();

    /**
     * @param topic the topic records go to
     * @param clientId the producer's Kafka client id
     * @param producerOverrides producer settings over {@link KafkaClients#producer}'s defaults
     * @param sources how many sources take turns
     * @param ratePerSecond records per second across all sources
     */
    protected FleetSimulator(String bootstrapServers, String topic, String clientId, Map<String, ?> producerOverrides,
            int sources, double ratePerSecond) {
        if (sources < 1 || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException("need sources >= 1 and a rate > 0, got " + sources + ", " + ratePerSecond);
        }
        this.topic = java.util.Objects.requireNonNull(topic, "topic");
        this.clientId = java.util.Objects.requireNonNull(clientId, "clientId");
        this.sources = sources;
        this.ratePerSecond = ratePerSecond;
        this.producer = KafkaClients.producer(bootstrapServers, clientId, producerOverrides);
    }

    /** The topic records go to. */
    protected final String topic() {
        return topic;
    }

    /** The next record of source {@code source} (0-based), booked by the simulator as sent. */
    protected abstract ProducerRecord<byte[], byte[]> next(int source);

    /**
     * A synthetic record built exactly as {@link #next} builds a real one (for {@link #warmUp});
     * it is never sent, and neither books it nor draws from the simulation's random stream.
     */
    protected abstract ProducerRecord<byte[], byte[]> sample(int i);

    /** How many {@link #sample}s the warm-up builds at most (fewer where building one is costly). */
    protected int warmUpIterations() {
        return Warmup.CHEAP_ITERATIONS;
    }

    /**
     * Gets ready to send at full pace before the clock starts, as a long-running producer in the
     * field already is: fetches the topic's partitions (otherwise the first send blocks on that
     * fetch) and builds {@link #sample}s through the record-building code until the JIT has
     * compiled it, for at most {@code maxTime}. Nothing is sent or booked.
     *
     * <p>Why: a cold simulator stalls for a few hundred milliseconds on its first records, then
     * catches up on its schedule in one burst, which charged the load generator's own start to
     * the pipeline's first results.
     */
    public Warmup.Result warmUp(Duration maxTime) throws Exception {
        producer.partitionsFor(topic);
        return Warmup.run(clientId + " record building", maxTime, warmUpIterations(), this::sample);
    }

    /**
     * Sends at the configured rate until {@code duration} has passed or {@code stop} says so.
     * Blocking; call from a dedicated thread.
     */
    public void run(Duration duration, BooleanSupplier stop) {
        long periodNanos = (long) (TimeUnit.SECONDS.toNanos(1) / ratePerSecond);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long next = start;
        int source = 0;
        while (!stop.getAsBoolean()) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (now < next) {
                LockSupport.parkNanos(Math.min(next - now, TimeUnit.MILLISECONDS.toNanos(50)));
                continue;
            }
            // Catch up if we fell behind: the schedule, not the sender, sets the load.
            send(next(source));
            source = (source + 1) % sources;
            next += periodNanos;
        }
        producer.flush();
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        sent.incrementAndGet();
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                sendErrors.incrementAndGet();
                firstSendError.compareAndSet(null, error);
            }
        });
    }

    /** Records sent so far (good and deliberately bad). */
    public long sent() {
        return sent.get();
    }

    /** Sends Kafka refused (should be 0; anything else means the inputs are not what we think). */
    public long sendErrors() {
        return sendErrors.get();
    }

    public Exception firstSendError() {
        return firstSendError.get();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}

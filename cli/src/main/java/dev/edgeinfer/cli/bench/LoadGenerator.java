package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.kafka.KafkaClients;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Writes input records to Kafka: open-loop at a fixed rate ({@link #runOpenLoop}: every send is
 * due at its scheduled time, whatever the previous sends did; behind schedule it sends the
 * overdue records at once and their latency still counts from the schedule), or a backlog as
 * fast as Kafka takes it ({@link #preload}).
 */
final class LoadGenerator implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong maxBehindNanos = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicReference<Exception> firstError = new AtomicReference<>();

    LoadGenerator(String bootstrapServers, boolean bulk) {
        // Open loop: like the demo's simulator (send at once, acks=all). Backlog: batch for speed.
        this.producer = KafkaClients.producer(bootstrapServers, bulk ? "edgeinfer-bench-preload" : "edgeinfer-bench-load",
                Map.of(ProducerConfig.LINGER_MS_CONFIG, bulk ? "10" : "0",
                        ProducerConfig.BATCH_SIZE_CONFIG, bulk ? String.valueOf(256 * 1024) : "16384"));
    }

    /** Sends {@code perDevice} records for each device, as fast as possible, and waits for all acks. */
    void preload(BenchScenario.Inputs inputs, String topic, int devices, long perDevice, long eventTimeMs) {
        for (long seq = 0; seq < perDevice; seq++) {
            for (int d = 0; d < devices; d++) {
                send(inputs, topic, d, seq, eventTimeMs);
            }
        }
        producer.flush();
    }

    /**
     * Sends by {@code schedule} until {@code duration} has passed (or {@code stop}); blocking.
     * Calls {@code tick} between sends at most every few milliseconds (for the caller's chores).
     */
    void runOpenLoop(BenchScenario.Inputs inputs, String topic, LoadSchedule schedule, Duration duration, BooleanSupplier stop) {
        long end = schedule.startNanos() + duration.toNanos();
        long g = 0;
        while (!stop.getAsBoolean()) {
            long due = schedule.dueNanos(g);
            if (due >= end) {
                break;
            }
            long now = System.nanoTime();
            if (now < due) {
                LockSupport.parkNanos(Math.min(due - now, TimeUnit.MILLISECONDS.toNanos(50)));
                continue;
            }
            long behind = now - due;
            if (behind > maxBehindNanos.get()) {
                maxBehindNanos.set(behind);
            }
            int device = (int) (g % schedule.devices());
            long seq = g / schedule.devices();
            send(inputs, topic, device, seq, schedule.eventTimeMs(device, seq));
            g++;
        }
        producer.flush();
    }

    private void send(BenchScenario.Inputs inputs, String topic, int device, long seq, long eventTimeMs) {
        producer.send(inputs.record(topic, device, seq, eventTimeMs), (metadata, error) -> {
            if (error != null) {
                sendErrors.incrementAndGet();
                firstError.compareAndSet(null, error);
            }
        });
        sent.incrementAndGet();
    }

    long sent() {
        return sent.get();
    }

    /**
     * Outputs {@code scenario}'s job must produce for what the open loop sent so far, spread
     * round-robin over {@code devices} keys as {@link #runOpenLoop} sends it.
     */
    long expectedOutputs(BenchScenario<?, ?> scenario, int devices, boolean pipeline) {
        long sent = sent();
        long expected = 0;
        for (int d = 0; d < devices; d++) {
            expected += scenario.expectedOutputs(sent / devices + (d < sent % devices ? 1 : 0), 1, pipeline);
        }
        return expected;
    }

    /** How far the sender fell behind its schedule at worst (the load generator's own limit). */
    double maxBehindMs() {
        return maxBehindNanos.get() / 1e6;
    }

    void failOnSendErrors() {
        if (sendErrors.get() > 0) {
            throw new IllegalStateException(sendErrors.get() + " records could not be written to Kafka", firstError.get());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}

package dev.edgeinfer.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Polls one Kafka consumer on a daemon thread until {@link #close()} and hands every record to a
 * handler, stamped with the time its poll returned. A poll's records are handled under the owner's
 * lock, so the owner's synchronized accessors see whole polls, never half of one. The consumer
 * belongs to the poller from then on: it is closed on the polling thread when that stops.
 */
public final class ConsumerPoller implements AutoCloseable {

    /** Books one record; called on the polling thread with the owner's lock held. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(ConsumerRecord<byte[], byte[]> record, long polledAt);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Duration pollTimeout;
    private final LongSupplier clock;
    private final Object lock;
    private final RecordHandler handler;
    private volatile boolean stopped;
    private Thread thread;

    /**
     * @param clock what {@code polledAt} is read from (wall-clock millis, or nanoTime)
     * @param lock the owner's monitor, held while a poll's records are handled
     */
    public ConsumerPoller(KafkaConsumer<byte[], byte[]> consumer, Duration pollTimeout, LongSupplier clock, Object lock,
            RecordHandler handler) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.pollTimeout = pollTimeout;
        this.clock = clock;
        this.lock = lock;
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Starts polling on a daemon thread named {@code threadName}. */
    public void start(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!stopped) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                if (records.isEmpty()) {
                    continue;
                }
                long polledAt = clock.getAsLong();
                synchronized (lock) {
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        handler.onRecord(record, polledAt);
                    }
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Stops polling and waits up to 10 s for the thread; closes the consumer if it never started. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } else {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}

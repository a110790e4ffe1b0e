package dev.edgeinfer.testutils;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends records on a background thread in batches of 50 with 100 ms pauses (or a pause of the
 * test's choosing), so input keeps arriving for a few seconds while a test kills a TaskManager or
 * a process. Every send is acknowledged.
 */
public final class TestingPacedProducer {

    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    private TestingPacedProducer(String bootstrap, List<ProducerRecord<byte[], byte[]>> records, Duration pause) {
        thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestUtils.producer(bootstrap)) {
                for (int i = 0; i < records.size(); i++) {
                    producer.send(records.get(i)).get();
                    if (i % 50 == 49) {
                        Thread.sleep(pause.toMillis());
                    }
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }, "it-paced-producer");
    }

    public static TestingPacedProducer start(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) {
        return start(bootstrap, records, Duration.ofMillis(100));
    }

    /** As {@link #start(String, List)}, pausing {@code pause} after every 50 records. */
    public static TestingPacedProducer start(
            String bootstrap, List<ProducerRecord<byte[], byte[]>> records, Duration pause) {
        TestingPacedProducer producer = new TestingPacedProducer(bootstrap, records, pause);
        producer.thread.start();
        return producer;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Waits for the last acknowledgement; returns the send failure, if any. */
    public Exception await(long seconds) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(seconds));
        return failure.get();
    }
}

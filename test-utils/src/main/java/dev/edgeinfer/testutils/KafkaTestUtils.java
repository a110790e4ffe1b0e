package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.kafka.KafkaClients;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** Kafka helpers shared by the integration tests: produce, read everything, count clients. */
public final class KafkaTestUtils {

    private static final AtomicInteger TOPIC_COUNTER = new AtomicInteger();

    private KafkaTestUtils() {}

    /** A topic name no other test uses (tests never share topics). */
    public static String freshTopic(String base) {
        return base + "." + System.nanoTime() % 1_000_000 + "-" + TOPIC_COUNTER.incrementAndGet();
    }

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return KafkaClients.producer(bootstrap, "edgeinfer-test-producer",
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * 1024 * 1024)));
    }

    /** Sends all records and waits for every acknowledgement. */
    public static void produceAll(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> record : records) {
                acks.add(producer.send(record));
            }
            for (var ack : acks) {
                ack.get();
            }
        }
    }

    /**
     * Reads a topic from the beginning until {@code done} holds for what was read (or the
     * timeout passes), then keeps reading for {@code settle} so that records which should NOT
     * be there (duplicates) get a chance to show up.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readUntil(
            String bootstrap,
            String topic,
            boolean readCommitted,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration timeout,
            Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, readCommitted)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(out)) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            long settleEnd = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settleEnd) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** Counts records currently readable in a topic. */
    public static int count(String bootstrap, String topic, boolean readCommitted) {
        return readUntil(bootstrap, topic, readCommitted, r -> false, Duration.ofMillis(300), Duration.ZERO).size();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, boolean readCommitted) {
        return KafkaClients.reader(bootstrap, "edgeinfer-test-reader", readCommitted,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"));
    }

    /**
     * Kafka clients of a kind ({@code producer} or {@code consumer}) alive in this JVM whose
     * client id matches {@code clientIdFilter}, as registered in JMX by the Kafka client.
     */
    public static Set<ObjectName> openKafkaClients(String kind, String clientIdPattern) {
        try {
            return ManagementFactory.getPlatformMBeanServer()
                    .queryNames(new ObjectName("kafka." + kind + ":type=app-info,id=" + clientIdPattern), null);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Polls {@code condition} until it holds or the timeout passes; returns whether it held. */
    public static boolean eventually(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** Restart settings for tests that kill a TaskManager: up to 10 restarts, 500 ms apart. */
    public static org.apache.flink.configuration.Configuration fixedDelayRestarts() {
        org.apache.flink.configuration.Configuration restart = new org.apache.flink.configuration.Configuration();
        restart.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        restart.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                Duration.ofMillis(500));
        return restart;
    }
}

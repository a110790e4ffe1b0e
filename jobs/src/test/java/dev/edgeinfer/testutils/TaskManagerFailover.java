package dev.edgeinfer.testutils;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A TaskManager dying under a running job while its input keeps arriving. */
public final class TaskManagerFailover {

    private TaskManagerFailover() {}

    /**
     * Produces {@code records} paced (several seconds) and, once more than {@code killAfter}
     * results are committed on {@code resultsTopic} (within {@code killWithin}) and the producer
     * still runs, terminates TaskManager 0 and starts a new one. Returns what is committed on
     * {@code resultsTopic} once {@code expected} results are there (or 120 s passed), read for 3 s
     * more so that duplicates show up.
     */
    public static List<ConsumerRecord<byte[], byte[]>> killATaskManagerMidStream(MiniCluster miniCluster,
            String bootstrap, List<ProducerRecord<byte[], byte[]>> records, String resultsTopic, long killAfter,
            Duration killWithin, long expected) throws Exception {
        TestingPacedProducer producer = TestingPacedProducer.start(bootstrap, records);
        try {
            assertThat(KafkaTestUtils.eventually(
                            () -> KafkaTestUtils.count(bootstrap, resultsTopic, true) > killAfter, killWithin))
                    .as("committed results before the kill")
                    .isTrue();
            assertThat(producer.isRunning()).as("the producer must still be running when the TaskManager dies").isTrue();
            miniCluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
            miniCluster.startTaskManager();

            assertThat(producer.await(120)).as("producer failure").isNull();

            return KafkaTestUtils.readUntil(bootstrap, resultsTopic, true,
                    r -> r.size() >= expected, Duration.ofSeconds(120), Duration.ofSeconds(3));
        } finally {
            producer.await(30);
        }
    }
}

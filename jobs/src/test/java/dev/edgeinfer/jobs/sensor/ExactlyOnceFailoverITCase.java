package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.LeakChecks;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingPacedProducer;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Exactly-once mode survives a TaskManager dying mid-stream: with a read_committed reader, every
 * window appears exactly once (none lost, none duplicated), while readings keep arriving.
 */
class ExactlyOnceFailoverITCase {

    /** Two TaskManagers with one slot each: at parallelism 2, both run part of the job. */
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    private static EmbeddedKafkaBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void killingATaskManagerMidStreamLosesAndDuplicatesNoWindowInExactlyOnceMode(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        BuiltModel model = TestingModels.v1();
        SensorJobHarness harness = new SensorJobHarness(kafka, model, 4);
        harness.conf.set(KafkaJobOptions.DELIVERY_GUARANTEE, KafkaJobOptions.DeliveryGuarantee.EXACTLY_ONCE);
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(8, 400, config.channels(), 11L);
        List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(KafkaTestUtils.fixedDelayRestarts());
        SensorAnomalyJob.build(env, config);
        JobClient job = env.executeAsync("exactly-once-failover-it");

        // Readings keep flowing (several seconds) while the TaskManager dies.
        TestingPacedProducer producer = TestingPacedProducer.start(kafka.bootstrapServers(), records);

        try {
            // Kill once some windows are committed and the job is mid-stream.
            assertThat(KafkaTestUtils.eventually(
                            () -> KafkaTestUtils.count(kafka.bootstrapServers(), harness.results, true) > expectedWindows / 5,
                            Duration.ofSeconds(60)))
                    .as("committed results before the kill")
                    .isTrue();
            assertThat(producer.isRunning()).as("the producer must still be running when the TaskManager dies").isTrue();
            miniCluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
            miniCluster.startTaskManager();

            assertThat(producer.await(120)).as("producer failure").isNull();

            List<ConsumerRecord<byte[], byte[]>> committed =
                    KafkaTestUtils.readUntil(kafka.bootstrapServers(), harness.results, true,
                            r -> r.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(3));

            Map<String, Integer> perWindow = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : committed) {
                SensorResult r = SensorResultJson.fromJson(record.value());
                perWindow.merge(r.deviceId() + "#" + r.window(), 1, Integer::sum);
                assertThat(r.model()).isEqualTo(model.id());
            }
            assertThat(perWindow.values()).as("every window exactly once").allMatch(n -> n == 1);
            assertThat(perWindow).as("no window lost").hasSize((int) expectedWindows);
            assertThat(committed).hasSize((int) expectedWindows);
            assertThat(failuresSeenByFlink(miniCluster, job)).as("the job must really have failed over").isGreaterThanOrEqualTo(1);
        } finally {
            producer.await(30);
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        LeakChecks.assertNoOnnxSessionOrKafkaProducerLeft();
    }

    /** Failures in the job's exception history, read from the MiniCluster's REST API. */
    private static int failuresSeenByFlink(MiniCluster miniCluster, JobClient job) throws Exception {
        URI rest = miniCluster.getRestAddress().get(10, TimeUnit.SECONDS);
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(HttpRequest.newBuilder(rest.resolve("/jobs/" + job.getJobID() + "/exceptions")).build(),
                                HttpResponse.BodyHandlers.ofString());
        JsonNode history = new ObjectMapper().readTree(response.body()).path("exceptionHistory").path("entries");
        return history.size();
    }
}

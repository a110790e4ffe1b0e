package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sensor pipeline end to end against a real Kafka broker in a container (the {@code
 * apache/kafka} image, override with {@code -Dedgeinfer.it.kafka-image=...}) instead of the
 * embedded one: every window scored exactly once, every malformed reading dead-lettered with its
 * reason. Where no Docker engine is reachable the class is reported as skipped, with the reason.
 */
@EnabledIf(
        value = "dockerAvailable",
        disabledReason = "no Docker engine reachable (Testcontainers checked DOCKER_HOST, ~/.testcontainers.properties"
                + " and /var/run/docker.sock): the Kafka container cannot start")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SensorPipelineContainerITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).withoutBroker().build();

    private KafkaContainer kafka;
    private String bootstrap;
    private SensorJobConfig config;
    private TestingSensorData data;
    private long expectedWindows;
    private final List<SensorResult> results = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @BeforeAll
    void runTheJobAgainstAKafkaContainer() throws Exception {
        kafka = new KafkaContainer(System.getProperty("edgeinfer.it.kafka-image", "apache/kafka:4.2.0"));
        kafka.start();
        bootstrap = kafka.getBootstrapServers();

        String unique = KafkaTestUtils.freshTopic("container").substring("container.".length());
        String readings = "readings." + unique;
        String resultsTopic = "results." + unique;
        String deadLetterTopic = "deadletter." + unique;
        String control = "control." + unique;
        String status = "status." + unique;
        String blobs = "blobs." + unique;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(readings, 4, (short) 1),
                            new NewTopic(resultsTopic, 4, (short) 1),
                            new NewTopic(deadLetterTopic, 1, (short) 1),
                            new NewTopic(status, 1, (short) 1),
                            new NewTopic(blobs, 1, (short) 1),
                            new NewTopic(control, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get();
        }

        BuiltModel model = TestingModels.v2();
        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(SensorJobOptions.READINGS_TOPIC, readings);
        conf.set(SensorJobOptions.RESULTS_TOPIC, resultsTopic);
        conf.set(SensorJobOptions.DEADLETTER_TOPIC, deadLetterTopic);
        conf.set(KafkaJobOptions.CONTROL_TOPIC, control);
        conf.set(KafkaJobOptions.STATUS_TOPIC, status);
        conf.set(KafkaJobOptions.BLOBS_TOPIC, blobs);
        conf.set(SensorJobOptions.GROUP_ID, "it-" + unique);
        conf.set(SensorJobOptions.TRANSACTIONAL_ID_PREFIX, "it-" + unique);
        conf.set(SensorJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
        conf.set(KafkaJobOptions.PARALLELISM, 2);
        conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
        conf.set(KafkaJobOptions.MODELS_ROOT, TestingModels.dir().toString());
        conf.set(SensorJobOptions.MODEL_NAME, model.id().name());
        conf.set(KafkaJobOptions.MODEL_VERSION, model.id().version());
        conf.set(SensorJobOptions.MODEL_PATH, model.file().toString());
        conf.set(KafkaJobOptions.MODEL_SHA256, model.id().sha256());
        conf.set(SensorJobOptions.CHANNELS, model.channels());
        conf.set(SensorJobOptions.WINDOW_SIZE, model.windowSize());
        config = SensorJobConfig.from(conf);

        data = new TestingSensorData(12, 160, config.channels(), 7L);
        KafkaTestUtils.produceAll(bootstrap, data.records(readings));
        expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        CLUSTER.startJob("sensor-pipeline-container-it", env -> SensorAnomalyJob.build(env, config));

        for (ConsumerRecord<byte[], byte[]> record : KafkaTestUtils.readUntil(bootstrap, resultsTopic, true,
                r -> r.size() >= expectedWindows, Duration.ofSeconds(180), Duration.ofSeconds(3))) {
            results.add(SensorResultJson.fromJson(record.value()));
        }
        deadLetters.addAll(KafkaTestUtils.readUntil(bootstrap, deadLetterTopic, true,
                r -> r.size() >= data.malformed.size(), Duration.ofSeconds(30), Duration.ofSeconds(1)));
    }

    @AfterAll
    void stopTheContainer() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void everyWindowIsScoredExactlyOnce() {
        Set<String> distinct = new HashSet<>();
        for (SensorResult r : results) {
            assertThat(distinct.add(r.deviceId() + "#" + r.window())).as("duplicate result %s", r).isTrue();
        }
        assertThat(results).hasSize((int) expectedWindows);
    }

    @Test
    void everyMalformedReadingIsDeadLetteredOnceWithItsReason() {
        assertThat(deadLetters).hasSize(data.malformed.size());
        for (TestingSensorData.Malformed malformed : data.malformed) {
            List<ConsumerRecord<byte[], byte[]>> letters = deadLetters.stream()
                    .filter(l -> Arrays.equals(l.value(), malformed.value()))
                    .toList();
            assertThat(letters).as("dead letters of the %s record", malformed.expectedReason()).hasSize(1);
            assertThat(new String(letters.get(0).headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo(malformed.expectedReason().name());
        }
    }
}

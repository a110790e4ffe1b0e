package dev.edgeinfer.testutils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.sensor.SensorAnomalyTranslator;
import dev.edgeinfer.simulation.models.BuiltModel;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.launcher.listeners.TestExecutionSummary.Failure;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The extension itself, on a real broker: each call gives fresh, empty topics created as the
 * jobs need them, and a test that leaves a Kafka client or an ONNX Runtime session open fails,
 * naming what it left (while a test that closes what it opened passes).
 */
class EdgeInferClusterITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().build();

    @Test
    void jobTopicsAreFreshEmptyAndCreatedWithTheirPartitionsAndAControlTopicThatIsCompacted() throws Exception {
        JobTopics first = CLUSTER.jobTopics("readings", 4);
        JobTopics second = CLUSTER.jobTopics("readings", 4);
        List<String> firstNames = names(first);
        List<String> secondNames = names(second);
        assertThat(new HashSet<>(firstNames)).as("six distinct topics").hasSize(6);
        assertThat(firstNames).doesNotContainAnyElementsOf(secondNames);
        assertThat(first.unique()).isNotEqualTo(second.unique());
        assertThat(first.input()).startsWith("readings.").endsWith(first.unique());

        try (Admin admin = Admin.create(CLUSTER.broker().clientProperties())) {
            Map<String, TopicDescription> described = admin.describeTopics(firstNames).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(described.get(first.input()).partitions()).hasSize(4);
            assertThat(described.get(first.results()).partitions()).hasSize(4);
            for (String single : List.of(first.deadLetters(), first.control(), first.status(), first.blobs())) {
                assertThat(described.get(single).partitions()).as(single).hasSize(1);
            }
            ConfigResource control = new ConfigResource(ConfigResource.Type.TOPIC, first.control());
            ConfigResource results = new ConfigResource(ConfigResource.Type.TOPIC, first.results());
            var configs = admin.describeConfigs(List.of(control, results)).all().get(30, TimeUnit.SECONDS);
            assertThat(configs.get(control).get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(configs.get(results).get("cleanup.policy").value()).isEqualTo("delete");
        }
        for (String topic : firstNames) {
            assertThat(KafkaTestUtils.count(CLUSTER.bootstrapServers(), topic, false)).as(topic).isZero();
        }
        assertThat(CLUSTER.compactedTopic("blobs", 3)).isNotEqualTo(CLUSTER.compactedTopic("blobs", 3));
    }

    @Test
    void aTestThatLeavesAKafkaProducerOpenFailsNamingItWhileOneThatClosesItPasses() {
        TestExecutionSummary summary = run(LeakingKafkaClient.class);
        try {
            assertThat(summary.getTestsSucceededCount()).as("the test that closed its producer").isEqualTo(1);
            assertThat(summary.getTestsFailedCount()).isEqualTo(1);
            Failure failure = testFailure(summary);
            assertThat(failure.getTestIdentifier().getDisplayName()).startsWith("leavesItsProducerOpen");
            assertThat(failure.getException())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("leaked")
                    .hasMessageContaining("Kafka clients still open")
                    .hasMessageContaining("kafka.producer")
                    .hasMessageContaining(LeakingKafkaClient.CLIENT_ID);
        } finally {
            LeakingKafkaClient.leaked.close(Duration.ZERO);
        }
    }

    @Test
    void aTestThatLeavesAnOnnxSessionOpenFailsSayingHowManyAreOpen() throws Exception {
        int before = OnnxModelRunner.openRunners();
        int sessions = OnnxModelRunner.openSessions();
        TestExecutionSummary summary = run(LeakingOnnxSession.class);
        try {
            assertThat(summary.getTestsFailedCount()).isEqualTo(1);
            assertThat(testFailure(summary).getException())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("leavesItsSessionOpen")
                    .hasMessageContaining((before + 1) + " model runner(s) and " + (sessions + 1)
                            + " ONNX Runtime session(s) open, " + before + " and " + sessions + " before it");
        } finally {
            LeakingOnnxSession.leaked.close();
        }
    }

    private static List<String> names(JobTopics t) {
        return List.of(t.input(), t.results(), t.deadLetters(), t.control(), t.status(), t.blobs());
    }

    /** The failed test's failure (the class, whose own check sees the same leak, fails too). */
    private static Failure testFailure(TestExecutionSummary summary) {
        return summary.getFailures().stream().filter(f -> f.getTestIdentifier().isTest()).findFirst().orElseThrow();
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    // ---------------------------------------------------------------- run only by the tests above

    /** One test closes the producer it opened, the other leaves it open. Not run on its own (a nested class). */
    static class LeakingKafkaClient {

        static final String CLIENT_ID = "edgeinfer-cluster-itcase-leak";
        static volatile KafkaProducer<byte[], byte[]> leaked;

        @RegisterExtension
        static final EdgeInferCluster LEAK_CHECKS =
                EdgeInferCluster.builder().withoutBroker().leakTimeout(Duration.ofSeconds(1)).build();

        @Test
        void closesItsProducer() {
            producer("edgeinfer-cluster-itcase-closed").close();
        }

        @Test
        void leavesItsProducerOpen() {
            leaked = producer(CLIENT_ID);
        }

        private static KafkaProducer<byte[], byte[]> producer(String clientId) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, CLUSTER.bootstrapServers());
            props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        }
    }

    /** Loads a real model and leaves its ONNX Runtime session open. Not run on its own (a nested class). */
    static class LeakingOnnxSession {

        static volatile OnnxModelRunner<?, ?> leaked;

        @RegisterExtension
        static final EdgeInferCluster LEAK_CHECKS =
                EdgeInferCluster.builder().withoutBroker().leakTimeout(Duration.ofSeconds(1)).build();

        @Test
        void leavesItsSessionOpen() throws Exception {
            BuiltModel model = TestingModels.v1();
            leaked = OnnxModelRunner.load(model.id(), model.file(),
                    new SensorAnomalyTranslator(model.channels(), model.windowSize()), OnnxRunnerOptions.DEFAULTS, null);
        }
    }
}

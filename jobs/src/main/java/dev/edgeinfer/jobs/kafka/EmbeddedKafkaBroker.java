package dev.edgeinfer.jobs.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in KRaft mode (one combined broker + controller), running in this
 * JVM on 127.0.0.1 with an ephemeral port. Used by {@code edgeinfer demo} and by every
 * integration test; it is the same broker code a production cluster runs, not a fake.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
 *     kafka.createTopics(4, "edge.sensor.readings");
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Transactions work (single-node replication factor 1 for the internal topics), so
 * exactly-once Flink sinks can run against it. Data lives in a temporary directory deleted on
 * {@link #close()}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** Upper bound for transactions; Flink's exactly-once sink must stay at or below it. */
    public static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /** Starts a single-node KRaft broker and waits until it accepts clients. */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /** Starts a single-node KRaft broker with extra broker properties. */
    public static EmbeddedKafkaBroker start(Map<String, String> brokerOverrides) {
        long started = System.nanoTime();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes =
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build();
            KafkaClusterTestKit.Builder builder =
                    new KafkaClusterTestKit.Builder(nodes)
                            .setConfigProp("offsets.topic.replication.factor", "1")
                            .setConfigProp("offsets.topic.num.partitions", "4")
                            .setConfigProp("transaction.state.log.replication.factor", "1")
                            .setConfigProp("transaction.state.log.min.isr", "1")
                            .setConfigProp("transaction.state.log.num.partitions", "4")
                            .setConfigProp(
                                    "transaction.max.timeout.ms",
                                    String.valueOf(MAX_TRANSACTION_TIMEOUT.toMillis()))
                            .setConfigProp("group.initial.rebalance.delay.ms", "0")
                            .setConfigProp("auto.create.topics.enable", "false")
                            .setConfigProp("num.network.threads", "2")
                            .setConfigProp("num.io.threads", "2")
                            .setConfigProp("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
            brokerOverrides.forEach(builder::setConfigProp);
            cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(cluster);
            LOG.info(
                    "Embedded Kafka (KRaft) ready on {} in {} ms",
                    broker.bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return broker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietlyAfterFailure(cluster, e);
            throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
        } catch (Exception e) {
            closeQuietlyAfterFailure(cluster, e);
            throw new IllegalStateException("could not start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    /** Kafka's storage formatter prints to System.out; keep the CLI's output readable. */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
        }
    }

    private static void closeQuietlyAfterFailure(KafkaClusterTestKit cluster, Exception cause) {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception closeFailure) {
                cause.addSuppressed(closeFailure);
            }
        }
    }

    /** {@code host:port} of the broker's client listener (always on the loopback interface). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Client properties with the bootstrap servers set. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Creates the topics (replication factor 1) unless they exist; waits for completion. */
    public void createTopics(int partitions, String... topics) {
        createTopics(partitions, Map.of(), topics);
    }

    /** Creates the topics with per-topic configs (e.g. {@code cleanup.policy=compact}). */
    public void createTopics(int partitions, Map<String, String> topicConfig, String... topics) {
        List<NewTopic> newTopics = new ArrayList<>();
        for (String topic : topics) {
            newTopics.add(new NewTopic(topic, partitions, (short) 1).configs(topicConfig));
        }
        try (Admin admin = Admin.create(clientProperties())) {
            for (var entry : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "could not create topic " + entry.getKey() + ": " + e.getCause(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + List.of(topics), e);
        }
    }

    /** The directory the broker keeps its logs in (for diagnostics). */
    public Path dataDirectory() {
        return Path.of(cluster.nodes().baseDirectory());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}

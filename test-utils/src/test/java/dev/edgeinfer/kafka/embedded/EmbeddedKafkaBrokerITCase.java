package dev.edgeinfer.kafka.embedded;

import static dev.edgeinfer.testutils.KafkaTestUtils.freshTopic;
import static dev.edgeinfer.testutils.KafkaTestUtils.produceAll;
import static dev.edgeinfer.testutils.KafkaTestUtils.readUntil;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.edgeinfer.testutils.EdgeInferCluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Starts real KRaft brokers: proves they live on loopback only and behave like the product needs. */
class EmbeddedKafkaBrokerITCase {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** This JVM's listening sockets before the shared broker starts (class initialization precedes the extension). */
    private static final Set<ListeningSocket> BEFORE_BROKER = listeningSocketsIfProcAvailable();

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().build();

    private static EmbeddedKafkaBroker kafka;
    /** The shared broker's listening sockets (client and controller); empty without /proc. */
    private static Set<ListeningSocket> kafkaSockets = Set.of();

    @BeforeAll
    static void findTheSharedBrokersSockets() throws IOException {
        kafka = CLUSTER.broker();
        if (procAvailable()) {
            Set<ListeningSocket> opened = new HashSet<>(listeningSocketsOfThisJvm());
            opened.removeAll(BEFORE_BROKER);
            kafkaSockets = Set.copyOf(opened);
        }
    }

    private static Set<ListeningSocket> listeningSocketsIfProcAvailable() {
        try {
            return procAvailable() ? listeningSocketsOfThisJvm() : Set.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- loopback only

    @Test
    void bootstrapServersIsTheLoopbackAddressWithAnEphemeralPort() {
        assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(port(kafka)).isBetween(1, 65535);
        assertThat(kafka.clientProperties())
                .containsEntry("bootstrap.servers", kafka.bootstrapServers());
    }

    @Test
    void brokerAdvertisesItselfOn127001() throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            assertThat(nodes).singleElement().satisfies(node -> {
                assertThat(node.host()).isEqualTo("127.0.0.1");
                assertThat(node.port()).isEqualTo(port(kafka));
            });
        }
    }

    @Test
    void everyListeningSocketTheBrokerOpensIsBoundTo127001Only() throws Exception {
        assumeThat(procAvailable()).as("needs Linux /proc").isTrue();
        Set<ListeningSocket> before = listeningSocketsOfThisJvm();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Set<ListeningSocket> opened = new HashSet<>(listeningSocketsOfThisJvm());
            opened.removeAll(before);

            // the client listener and the KRaft controller listener, nothing else
            assertThat(opened).hasSize(2);
            assertThat(opened).extracting(ListeningSocket::port).contains(port(broker));
            assertThat(opened)
                    .allSatisfy(socket -> assertThat(socket.address().getHostAddress()).isEqualTo("127.0.0.1"));
        }
    }

    @Test
    void brokerPortsRefuseConnectionsOnTheMachinesNonLoopbackAddress() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeThat(external).as("needs a non-loopback address on this machine").isPresent();
        Set<Integer> ports = new TreeSet<>(List.of(port(kafka)));
        // with /proc, the controller port too
        kafkaSockets.forEach(socket -> ports.add(socket.port()));
        for (int port : ports) {
            try (Socket loopback = new Socket()) {
                loopback.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }
            assertThat(connectOutcome(new InetSocketAddress(external.get(), port)))
                    .as("connecting to %s:%d", external.get().getHostAddress(), port)
                    .isEqualTo("refused");
        }
    }

    // ---------------------------------------------------------------- it is a working Kafka

    @Test
    void recordsProducedToATopicCanBeConsumedBack() throws Exception {
        String topic = CLUSTER.topic("it.roundtrip", 3);
        List<ProducerRecord<byte[], byte[]>> records =
                IntStream.range(0, 100)
                        .mapToObj(i -> new ProducerRecord<>(topic, bytes("key-" + i % 7), bytes("value-" + i)))
                        .collect(Collectors.toList());

        produceAll(kafka.bootstrapServers(), records);
        List<ConsumerRecord<byte[], byte[]>> read =
                readUntil(kafka.bootstrapServers(), topic, false, r -> r.size() >= 100, READ_TIMEOUT, Duration.ZERO);

        assertThat(values(read))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, 100).mapToObj(i -> "value-" + i).collect(Collectors.toList()));
    }

    @Test
    void committedTransactionIsVisibleToReadCommittedConsumersAndAbortedOneIsNot() throws Exception {
        String topic = CLUSTER.topic("it.transactions", 1);

        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("it-tx-" + System.nanoTime())) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, bytes("committed-1")));
            producer.send(new ProducerRecord<>(topic, bytes("committed-2")));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, bytes("aborted-1"))).get();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, bytes("committed-3")));
            producer.commitTransaction();
        }

        List<String> committed =
                values(readUntil(
                        kafka.bootstrapServers(), topic, true,
                        r -> values(r).contains("committed-3"), READ_TIMEOUT, Duration.ofMillis(500)));
        List<String> uncommitted =
                values(readUntil(
                        kafka.bootstrapServers(), topic, false,
                        r -> values(r).contains("committed-3"), READ_TIMEOUT, Duration.ofMillis(500)));

        assertThat(committed).containsExactly("committed-1", "committed-2", "committed-3");
        // the aborted record did reach the log; read_committed filtered it out
        assertThat(uncommitted).containsExactly("committed-1", "committed-2", "aborted-1", "committed-3");
    }

    @Test
    void transactionsMayUseTheFullMaxTransactionTimeout() {
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("it-max-timeout-" + System.nanoTime())) {
            assertThatCode(producer::initTransactions).doesNotThrowAnyException();
        }
    }

    @Test
    void brokerRunsWithoutTopicAutoCreationAndWithTheDocumentedTransactionLimit() throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            String nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().idString();
            ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, nodeId);
            Config config = admin.describeConfigs(List.of(brokerResource)).all().get(30, TimeUnit.SECONDS).get(brokerResource);

            assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
            assertThat(config.get("transaction.max.timeout.ms").value())
                    .isEqualTo(String.valueOf(EmbeddedKafkaBroker.MAX_TRANSACTION_TIMEOUT.toMillis()));
            assertThat(config.get("transaction.state.log.replication.factor").value()).isEqualTo("1");
            assertThat(config.get("offsets.topic.replication.factor").value()).isEqualTo("1");
        }
    }

    @Test
    void createTopicsIsIdempotentAndKeepsTheFirstPartitionCount() throws Exception {
        String topic = freshTopic("it.idempotent");

        kafka.createTopics(3, topic);
        assertThatCode(() -> kafka.createTopics(3, topic)).doesNotThrowAnyException();
        assertThatCode(() -> kafka.createTopics(5, topic)).doesNotThrowAnyException();

        try (Admin admin = Admin.create(kafka.clientProperties())) {
            TopicDescription description =
                    admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            assertThat(description.partitions()).hasSize(3);
        }
    }

    /**
     * A producer that never retries is told {@code NOT_LEADER_OR_FOLLOWER} if it sends before
     * the broker has taken its new partitions on; with retries an idempotent producer can then
     * drop a batch for good (KAFKA-15591), so createTopics must not return before that.
     */
    @Test
    void everyNewPartitionAcceptsRecordsAsSoonAsCreateTopicsReturns() throws Exception {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.RETRIES_CONFIG, "0");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < 20; round++) {
                String topic = freshTopic("it.lead");
                kafka.createTopics(3, topic);
                for (int partition = 0; partition < 3; partition++) {
                    ProducerRecord<byte[], byte[]> record =
                            new ProducerRecord<>(topic, partition, null, ("r" + round).getBytes(UTF_8));
                    assertThat(producer.send(record).get(30, TimeUnit.SECONDS).partition()).isEqualTo(partition);
                }
            }
        }
    }

    @Test
    void createTopicsAppliesPerTopicConfig() throws Exception {
        String topic = freshTopic("it.compacted");

        kafka.createTopics(1, Map.of("cleanup.policy", "compact"), topic);

        try (Admin admin = Admin.create(kafka.clientProperties())) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    // ---------------------------------------------------------------- lifecycle and overrides

    @Test
    void closeReleasesTheBrokersPortsAndDeletesTheDataDirectory() throws Exception {
        boolean procAvailable = procAvailable();
        Set<ListeningSocket> before = procAvailable ? listeningSocketsOfThisJvm() : Set.of();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Path dataDirectory = broker.dataDirectory();
        Set<Integer> ports = new TreeSet<>(List.of(port(broker)));
        if (procAvailable) {
            listeningSocketsOfThisJvm().stream()
                    .filter(socket -> !before.contains(socket))
                    .forEach(socket -> ports.add(socket.port()));
            assertThat(ports).hasSize(2);
        }
        assertThat(dataDirectory).isDirectory();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            assertThat(files.filter(Files::isRegularFile)).isNotEmpty();
        }

        broker.close();

        assertThat(dataDirectory).doesNotExist();
        if (procAvailable) {
            assertThat(listeningSocketsOfThisJvm()).extracting(ListeningSocket::port).doesNotContainAnyElementsOf(ports);
        }
        for (int port : ports) {
            try (ServerSocket rebind = new ServerSocket()) {
                rebind.setReuseAddress(true);
                assertThatCode(() -> rebind.bind(new InetSocketAddress("127.0.0.1", port)))
                        .as("binding 127.0.0.1:%d after close", port)
                        .doesNotThrowAnyException();
            }
        }
        assertThatCode(broker::close).as("closing twice").doesNotThrowAnyException();
    }

    @Test
    void brokerOverridesAreApplied() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of("message.max.bytes", "3145728"));
                Admin admin = Admin.create(broker.clientProperties())) {
            String nodeId = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().idString();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, nodeId);
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);

            assertThat(config.get("message.max.bytes").value()).isEqualTo("3145728");
            assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void overridesThatWouldMoveTheBrokerOffLoopbackAreRejected() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(Map.of("listeners", "PLAINTEXT://0.0.0.0:0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listeners");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(Map.of("advertised.listeners", "PLAINTEXT://example.org:9092")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("advertised.listeners");
    }

    // ---------------------------------------------------------------- helpers

    private static KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(EmbeddedKafkaBroker.MAX_TRANSACTION_TIMEOUT.toMillis()));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static int port(EmbeddedKafkaBroker broker) {
        String bootstrap = broker.bootstrapServers();
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), UTF_8)).collect(Collectors.toList());
    }

    /** "refused", "timeout" or "connected": what a TCP connect to {@code address} gives. */
    private static String connectOutcome(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 3_000);
            return "connected";
        } catch (ConnectException e) {
            return "refused";
        } catch (SocketTimeoutException e) {
            return "timeout";
        }
    }

    /** An address of an up, non-loopback interface (IPv4 preferred; no link-local). */
    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        List<InetAddress> candidates = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (!address.isLoopbackAddress() && !address.isLinkLocalAddress() && !address.isAnyLocalAddress()) {
                    candidates.add(address);
                }
            }
        }
        return candidates.stream().filter(a -> a instanceof Inet4Address).findFirst()
                .or(() -> candidates.stream().findFirst());
    }

    private static boolean procAvailable() {
        return Files.isDirectory(Path.of("/proc/self/fd")) && Files.isReadable(Path.of("/proc/net/tcp"));
    }

    /** A TCP socket in LISTEN state: the local address it is bound to and its port. */
    record ListeningSocket(InetAddress address, int port) {}

    /**
     * The TCP sockets this JVM listens on, read from Linux's {@code /proc}: socket inodes of
     * {@code /proc/self/fd} matched against the LISTEN entries of {@code /proc/net/tcp} and
     * {@code /proc/net/tcp6} (a dual-stack Java socket bound to 127.0.0.1 shows up in tcp6 as
     * ::ffff:127.0.0.1 and is decoded back to 127.0.0.1; a wildcard one as 0.0.0.0 or ::).
     */
    static Set<ListeningSocket> listeningSocketsOfThisJvm() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // the descriptor closed while we listed them
                }
            }
        }
        Set<ListeningSocket> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] columns = line.trim().split("\\s+");
                boolean listen = "0A".equals(columns[3]);
                if (listen && inodes.contains(columns[9])) {
                    String[] local = columns[1].split(":");
                    listening.add(new ListeningSocket(decodeProcAddress(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return listening;
    }

    /** /proc/net/tcp* print addresses as 32-bit words in host byte order, in hex. */
    private static InetAddress decodeProcAddress(String hex) throws IOException {
        byte[] address = new byte[hex.length() / 2];
        for (int word = 0; word < address.length / 4; word++) {
            int value = (int) Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                value = Integer.reverseBytes(value);
            }
            address[word * 4] = (byte) (value >>> 24);
            address[word * 4 + 1] = (byte) (value >>> 16);
            address[word * 4 + 2] = (byte) (value >>> 8);
            address[word * 4 + 3] = (byte) value;
        }
        // an IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as the Inet4Address a.b.c.d
        return InetAddress.getByAddress(address);
    }
}

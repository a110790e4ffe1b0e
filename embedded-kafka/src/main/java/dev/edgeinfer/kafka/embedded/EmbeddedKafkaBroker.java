package dev.edgeinfer.kafka.embedded;

import kafka.cluster.Partition;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.FaultHandlerFactory;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.SharedServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.fault.FaultHandler;
import org.apache.kafka.server.fault.FaultHandlerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p>Both listeners (the client listener and the KRaft controller listener) are bound to
 * 127.0.0.1 only, never to the wildcard address, so the broker is reachable on loopback only
 * and works in a network namespace that has nothing but {@code lo}. The controller socket is
 * bound (to 127.0.0.1, port 0) before the broker is configured and handed to Kafka's socket
 * server, so the quorum voter address is known up front without a pick-a-free-port race.
 *
 * <p>Transactions work (single-node replication factor 1 for the internal topics), so
 * exactly-once Flink sinks can run against it. Data lives in a temporary directory deleted on
 * {@link #close()}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** Upper bound for transactions; Flink's exactly-once sink must stay at or below it. */
    public static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    /** Settings that make this a single loopback-only KRaft node; overrides may not change them. */
    private static final Set<String> RESERVED_KEYS =
            Set.of(
                    "process.roles",
                    "node.id",
                    "broker.id",
                    "listeners",
                    "advertised.listeners",
                    "listener.security.protocol.map",
                    "inter.broker.listener.name",
                    "controller.listener.names",
                    "controller.quorum.voters",
                    "controller.quorum.bootstrap.servers",
                    "log.dirs",
                    "log.dir",
                    "metadata.log.dir");

    private final Path baseDirectory;
    private final ControllerServer controller;
    private final BrokerServer broker;
    private final LoopbackSocketFactory sockets;
    private final RecordingFaultHandlerFactory faults;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafkaBroker(
            Path baseDirectory,
            ControllerServer controller,
            BrokerServer broker,
            LoopbackSocketFactory sockets,
            RecordingFaultHandlerFactory faults) {
        this.baseDirectory = baseDirectory;
        this.controller = controller;
        this.broker = broker;
        this.sockets = sockets;
        this.faults = faults;
        int port = broker.boundPort(ListenerName.normalised(BROKER_LISTENER));
        if (port <= 0) {
            throw new IllegalStateException("the broker has no bound port for " + BROKER_LISTENER);
        }
        this.bootstrapServers = LOOPBACK + ":" + port;
    }

    /** Starts a single-node KRaft broker and waits until it accepts clients. */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /**
     * Starts a single-node KRaft broker with extra broker properties.
     *
     * @throws IllegalArgumentException if an override touches the node's identity, listeners,
     *     quorum or directories ({@code process.roles}, {@code node.id}, {@code listeners},
     *     {@code advertised.listeners}, {@code controller.quorum.voters}, {@code log.dirs}, ...),
     *     which this class owns so that the broker stays a single loopback-only KRaft node
     */
    public static EmbeddedKafkaBroker start(Map<String, String> brokerOverrides) {
        Set<String> reserved = new TreeSet<>(brokerOverrides.keySet());
        reserved.retainAll(RESERVED_KEYS);
        if (!reserved.isEmpty()) {
            throw new IllegalArgumentException(
                    "the embedded Kafka broker owns these settings; they cannot be overridden: " + reserved);
        }
        long started = System.nanoTime();
        Path baseDirectory = null;
        LoopbackSocketFactory sockets = null;
        ControllerServer controller = null;
        BrokerServer broker = null;
        RecordingFaultHandlerFactory faults = new RecordingFaultHandlerFactory();
        try {
            baseDirectory = Files.createTempDirectory("edgeinfer-kafka-");
            Path logDir = Files.createDirectories(baseDirectory.resolve("kraft-combined-logs"));
            sockets = LoopbackSocketFactory.withPreboundController();

            KafkaConfig config = config(logDir, sockets.controllerPort(), brokerOverrides);
            formatStorage(logDir);

            var loaded = KafkaRaftServer.initializeLogDirs(config, LOG, "[EmbeddedKafka] ");
            MetaPropertiesEnsemble metaProperties = loaded._1();
            BootstrapMetadata bootstrapMetadata = loaded._2();
            SharedServer shared =
                    new SharedServer(
                            config,
                            metaProperties,
                            Time.SYSTEM,
                            new Metrics(),
                            CompletableFuture.completedFuture(
                                    QuorumConfig.parseVoterConnections(config.quorumConfig().voters())),
                            QuorumConfig.parseBootstrapServers(config.quorumConfig().bootstrapServers()),
                            faults,
                            sockets);
            controller = new ControllerServer(shared, KafkaRaftServer.configSchema(), bootstrapMetadata);
            broker = new BrokerServer(shared);

            // Same order as KafkaRaftServer: the controller first, then the broker.
            controller.startup();
            broker.startup();
            waitUntilReady(controller, broker);

            EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(baseDirectory, controller, broker, sockets, faults);
            LOG.info(
                    "Embedded Kafka (KRaft) ready on {} in {} ms",
                    kafka.bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return kafka;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUpAfterFailure(e, broker, controller, sockets, baseDirectory);
            throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
        } catch (Exception e) {
            cleanUpAfterFailure(e, broker, controller, sockets, baseDirectory);
            throw new IllegalStateException("could not start the embedded Kafka broker: " + e.getMessage(), e);
        } catch (Error e) {
            cleanUpAfterFailure(e, broker, controller, sockets, baseDirectory);
            throw e;
        }
    }

    private static KafkaConfig config(Path logDir, int controllerPort, Map<String, String> brokerOverrides) {
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put(
                "listeners",
                BROKER_LISTENER + "://" + LOOPBACK + ":0," + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        props.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        props.put("log.dirs", logDir.toString());
        props.put("metadata.log.dir", logDir.toString());

        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("transaction.max.timeout.ms", String.valueOf(MAX_TRANSACTION_TIMEOUT.toMillis()));
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        // The log cleaner's default 128 MiB dedupe buffer is far too much for an embedded broker.
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        props.putAll(brokerOverrides);
        return new KafkaConfig(props, false);
    }

    /**
     * Formats the (empty) log directory as a fresh single-node cluster: random cluster id, the
     * latest production metadata version, a static one-voter quorum. Kafka's storage formatter
     * reports on a print stream; it gets a silent one so that the CLI's output stays readable.
     */
    private static void formatStorage(Path logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setIgnoreFormatted(false)
                .run();
    }

    private static void waitUntilReady(ControllerServer controller, BrokerServer broker) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        controller.controller().waitForReadyBrokers(1).get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        while (!broker.metadataCache().hasAliveBroker(NODE_ID)) {
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException(
                        "the broker did not see itself alive in its metadata within " + READY_TIMEOUT);
            }
            Thread.sleep(10);
        }
    }

    private static void cleanUpAfterFailure(
            Throwable cause,
            BrokerServer broker,
            ControllerServer controller,
            LoopbackSocketFactory sockets,
            Path baseDirectory) {
        try {
            shutdown(broker, controller, sockets, baseDirectory);
        } catch (Exception | Error cleanupFailure) {
            cause.addSuppressed(cleanupFailure);
        }
    }

    /** Broker first, then controller (KafkaRaftServer's order); then sockets and files. */
    private static void shutdown(
            BrokerServer broker, ControllerServer controller, LoopbackSocketFactory sockets, Path baseDirectory)
            throws IOException {
        Throwable failure = null;
        if (broker != null) {
            try {
                broker.shutdown();
            } catch (Exception | Error e) {
                failure = e;
            }
        }
        if (controller != null) {
            try {
                controller.shutdown();
            } catch (Exception | Error e) {
                failure = addTo(failure, e);
            }
        }
        if (sockets != null) {
            sockets.close();
        }
        if (baseDirectory != null) {
            try {
                Utils.delete(baseDirectory.toFile());
            } catch (IOException e) {
                failure = addTo(failure, e);
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        } else if (failure instanceof RuntimeException runtime) {
            throw runtime;
        } else if (failure instanceof Error error) {
            throw error;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static Throwable addTo(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
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

    /**
     * Creates the topics with per-topic configs (e.g. {@code cleanup.policy=compact}) and returns
     * once this broker leads every one of their partitions.
     *
     * <p>Waiting for the controller's answer alone is not enough: the broker publishes a new
     * topic to its metadata cache a moment before its replica manager takes the partitions on.
     * A client that sees the topic then sends to a partition the broker does not lead yet, gets a
     * retriable {@code NOT_LEADER_OR_FOLLOWER}, and an idempotent producer with several requests in
     * flight can have a later batch appended first; every retry of the first one then fails with
     * {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until {@code delivery.timeout.ms} drops it (KAFKA-15591).
     */
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
            awaitLeadership(topics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + List.of(topics), e);
        }
    }

    private void awaitLeadership(String... topics) throws InterruptedException, java.util.concurrent.TimeoutException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (String topic : topics) {
            // The topic reaches the metadata cache first (its partition count with it), then the
            // replica manager; an existing topic keeps its own partition count.
            Optional<Integer> partitions;
            while ((partitions = broker.metadataCache().numPartitions(topic)).isEmpty()) {
                sleepUntil(deadline, topic);
            }
            for (int p = 0; p < partitions.get(); p++) {
                TopicPartition partition = new TopicPartition(topic, p);
                while (!broker.replicaManager().onlinePartition(partition).exists(Partition::isLeader)) {
                    sleepUntil(deadline, partition);
                }
            }
        }
    }

    private static void sleepUntil(long deadline, Object awaited)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        if (System.nanoTime() > deadline) {
            throw new java.util.concurrent.TimeoutException(
                    "the broker did not take the lead of " + awaited + " within " + READY_TIMEOUT);
        }
        Thread.sleep(5);
    }

    /** The directory the broker keeps its logs in (for diagnostics). */
    public Path dataDirectory() {
        return baseDirectory;
    }

    /**
     * Stops the broker and the controller, releases their ports and deletes the data directory.
     * Throws if Kafka reported an internal fault while it ran (after cleaning up all the same).
     */
    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        shutdown(broker, controller, sockets, baseDirectory);
        faults.rethrowFirst();
    }

    /**
     * Opens every listener socket on 127.0.0.1. The controller's socket is bound before the
     * broker is configured (its port goes into {@code controller.quorum.voters}) and handed to
     * Kafka's socket server when it asks for the controller listener; the client listener is
     * bound on demand at {@code 127.0.0.1:0}.
     */
    private static final class LoopbackSocketFactory implements ServerSocketFactory {

        private final AtomicReference<ServerSocketChannel> preboundController;
        private final int controllerPort;

        private LoopbackSocketFactory(ServerSocketChannel preboundController) throws IOException {
            this.preboundController = new AtomicReference<>(preboundController);
            this.controllerPort = ((InetSocketAddress) preboundController.getLocalAddress()).getPort();
        }

        static LoopbackSocketFactory withPreboundController() throws IOException {
            ServerSocketChannel channel =
                    ServerSocketFactory.INSTANCE.openServerSocket(
                            CONTROLLER_LISTENER, new InetSocketAddress(LOOPBACK, 0), 50, -1);
            try {
                return new LoopbackSocketFactory(channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        int controllerPort() {
            return controllerPort;
        }

        @Override
        public ServerSocketChannel openServerSocket(
                String listenerName, InetSocketAddress socketAddress, int listenBacklogSize, int recvBufferSize)
                throws IOException {
            if (!LOOPBACK.equals(socketAddress.getHostString())) {
                throw new IOException(
                        "refusing to listen on " + socketAddress + " for " + listenerName + ": loopback only");
            }
            if (CONTROLLER_LISTENER.equals(listenerName)) {
                ServerSocketChannel prebound = preboundController.getAndSet(null);
                if (prebound != null && prebound.isOpen()) {
                    return prebound;
                }
                socketAddress = new InetSocketAddress(LOOPBACK, controllerPort);
            }
            return ServerSocketFactory.INSTANCE.openServerSocket(
                    listenerName, socketAddress, listenBacklogSize, recvBufferSize);
        }

        /** Closes the controller socket if Kafka never took it (a failed start). */
        void close() {
            ServerSocketChannel prebound = preboundController.getAndSet(null);
            if (prebound != null) {
                Utils.closeQuietly(prebound, "pre-bound controller socket");
            }
        }
    }

    /**
     * Kafka's standard fault handlers halt the JVM on a fatal fault; embedded in the CLI or a
     * test JVM that must not happen. Faults are logged, remembered and rethrown by close().
     */
    private static final class RecordingFaultHandlerFactory implements FaultHandlerFactory {

        private final AtomicReference<FaultHandlerException> firstFatal = new AtomicReference<>();
        private final AtomicReference<FaultHandlerException> firstNonFatal = new AtomicReference<>();

        @Override
        public FaultHandler build(String name, boolean fatal, Runnable action) {
            return (failureMessage, cause) -> {
                FaultHandlerException fault =
                        new FaultHandlerException(name + ": " + failureMessage, cause);
                LOG.error("Embedded Kafka {} fault: {}", fatal ? "fatal" : "non-fatal", fault.getMessage(), cause);
                (fatal ? firstFatal : firstNonFatal).compareAndSet(null, fault);
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.error("Embedded Kafka fault action of {} failed", name, e);
                }
                return fault;
            };
        }

        void rethrowFirst() {
            FaultHandlerException fault = firstFatal.get() != null ? firstFatal.get() : firstNonFatal.get();
            if (fault != null) {
                throw new IllegalStateException("the embedded Kafka broker reported a fault: " + fault.getMessage(), fault);
            }
        }
    }
}

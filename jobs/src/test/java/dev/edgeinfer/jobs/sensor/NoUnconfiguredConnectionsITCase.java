package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.security.Permission;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;

/**
 * An edge job must open no connection nobody configured: no telemetry (DJL's first model load
 * tries a cloud metadata address unless told not to), no model hub, no DNS lookups of outside
 * names. A recording security manager (it permits everything; it only writes down every
 * connect and name lookup the JVM makes) watches the whole run: broker, MiniCluster, model
 * loads, scoring. Every target must be on the loopback interface.
 *
 * <p>Needs {@code -Djava.security.manager=allow} (set in the Failsafe configuration); each IT
 * class runs in its own JVM, so the recorder affects no other test.
 */
class NoUnconfiguredConnectionsITCase {

    private static final Set<String> TARGETS = new ConcurrentSkipListSet<>();

    /** Records every outgoing connection and host lookup; allows everything. */
    static final class TestingConnectionRecorder extends SecurityManager {
        @Override
        public void checkConnect(String host, int port) {
            TARGETS.add(host + (port == -1 ? " (lookup)" : ":" + port));
        }

        @Override
        public void checkConnect(String host, int port, Object context) {
            checkConnect(host, port);
        }

        @Override
        public void checkPermission(Permission perm) {}

        @Override
        public void checkPermission(Permission perm, Object context) {}
    }

    /** The recorder watches from before the broker starts until it has stopped. */
    @RegisterExtension
    @SuppressWarnings("removal")
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2)
            .aroundBroker(() -> System.setSecurityManager(new TestingConnectionRecorder()),
                    () -> System.setSecurityManager(null))
            .build();

    @Test
    void scoringOpensConnectionsOnlyToLoopbackAddresses() throws Exception {
        BuiltModel model = TestingModels.v1();
        SensorJobHarness harness = new SensorJobHarness(CLUSTER, model, 2);
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(4, 64, config.channels(), 3L);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.records(harness.readings));
        long expected = data.expectedWindows(config.windowSize(), config.windowSlide());

        JobClient job = CLUSTER.startJob("no-unconfigured-connections-it", env -> SensorAnomalyJob.build(env, config));
        try {
            assertThat(KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.results, true,
                            r -> r.size() >= expected, Duration.ofSeconds(90), Duration.ZERO))
                    .as("the job really scored (a model was loaded through DJL)")
                    .hasSize((int) expected);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }

        // Resolving this machine's own name and the wildcard address (for binding servers) is
        // local; everything else must be loopback, and every connection must go to loopback.
        String ownName = InetAddress.getLocalHost().getHostName();
        Set<String> outside = new TreeSet<>();
        for (String target : TARGETS) {
            boolean lookup = target.endsWith(" (lookup)");
            String host = target.replaceAll("( \\(lookup\\)|:\\d+)$", "");
            boolean local = isLoopback(host)
                    || lookup && (host.equals(ownName) || host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0"));
            if (!local) {
                outside.add(target);
            }
        }
        assertThat(TARGETS).as("the recorder saw the Kafka connections").isNotEmpty();
        assertThat(outside).as("connections or lookups outside loopback (all seen: %s)", TARGETS).isEmpty();
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            // Literal addresses only: resolving a name here would itself be a lookup.
            if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':' || Character.isLetter(c) && host.contains(":"))) {
                return InetAddress.getByName(host).isLoopbackAddress();
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }
}

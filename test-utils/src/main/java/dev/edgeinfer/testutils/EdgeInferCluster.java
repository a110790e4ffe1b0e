package dev.edgeinfer.testutils;

import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;

/**
 * The real parts an integration test runs on, as one JUnit 5 extension: an embedded KRaft broker
 * started once per class, optionally a Flink MiniCluster, fresh topics, jobs that are cancelled
 * when their scope ends, and a leak check after each test and after the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();
 * }</pre>
 *
 * <p>Jobs started with {@link #startJob} inside a test are cancelled after it, those started in
 * a {@code @BeforeAll} after the class. Then the check: the ONNX Runtime sessions open are back
 * to their count before the test (or the class), and no Kafka producer, consumer or admin client
 * opened meanwhile is still open; a test that leaked fails, naming what is open. While a job
 * started in {@code @BeforeAll} runs, the Kafka client check waits for the end of the class
 * (the running job's sink may open producers at any time).
 *
 * <p>{@code @InjectMiniCluster MiniCluster} and the other parameters of Flink's
 * {@link MiniClusterExtension} resolve as with that extension.
 */
public final class EdgeInferCluster
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    /** Kafka client kinds, as their JMX {@code app-info} beans name them, that must not outlive a test. */
    private static final List<String> CLIENT_KINDS = List.of("producer", "consumer", "admin.client");

    /** Builds a job's graph on the environment {@link #startJob} gives it. */
    @FunctionalInterface
    public interface JobDefinition {
        void define(StreamExecutionEnvironment env) throws Exception;
    }

    /** Set up or torn down around the broker (e.g. a recorder that must see the broker start). */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private final boolean withBroker;
    private final MiniClusterExtension flink;
    private final boolean restartOnFailure;
    private final Duration leakTimeout;
    private final Step beforeBrokerStarts;
    private final Step afterBrokerStops;

    private EmbeddedKafkaBroker broker;
    /** Whether {@code beforeBrokerStarts} was run, so that {@code afterBrokerStops} must be. */
    private boolean brokerStepsBegun;
    private Snapshot classBaseline;
    private Snapshot testBaseline;
    private boolean inTest;
    private final List<JobClient> classJobs = new ArrayList<>();
    private final List<JobClient> testJobs = new ArrayList<>();

    private EdgeInferCluster(Builder b) {
        this.withBroker = b.withBroker;
        this.restartOnFailure = b.restartOnFailure;
        this.leakTimeout = b.leakTimeout;
        this.beforeBrokerStarts = b.beforeBrokerStarts;
        this.afterBrokerStops = b.afterBrokerStops;
        this.flink = b.taskManagers == 0 ? null : new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(b.taskManagers)
                        .setNumberSlotsPerTaskManager(b.slotsPerTaskManager)
                        .setConfiguration(b.flinkConfiguration)
                        .build());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the extension starts; by default a broker only. */
    public static final class Builder {
        private boolean withBroker = true;
        private int taskManagers;
        private int slotsPerTaskManager;
        private Configuration flinkConfiguration = new Configuration();
        private boolean restartOnFailure;
        private Duration leakTimeout = Duration.ofSeconds(30);
        private Step beforeBrokerStarts = () -> {};
        private Step afterBrokerStops = () -> {};

        private Builder() {}

        /** A Flink MiniCluster for the class, with this many TaskManagers of this many slots each. */
        public Builder miniCluster(int taskManagers, int slotsPerTaskManager) {
            this.taskManagers = taskManagers;
            this.slotsPerTaskManager = slotsPerTaskManager;
            return this;
        }

        /** The MiniCluster's configuration (metrics reporters, fetch intervals). */
        public Builder flinkConfiguration(Configuration configuration) {
            this.flinkConfiguration = configuration;
            return this;
        }

        /** Jobs restart after a failure (a killed TaskManager): {@link KafkaTestUtils#fixedDelayRestarts()}. */
        public Builder restartOnFailure() {
            this.restartOnFailure = true;
            return this;
        }

        /** No broker: only the leak checks (for code that starts its own). */
        public Builder withoutBroker() {
            this.withBroker = false;
            return this;
        }

        /** How long closing may take (it is asynchronous after a cancel) before it counts as a leak. */
        public Builder leakTimeout(Duration timeout) {
            this.leakTimeout = timeout;
            return this;
        }

        /** Runs after the MiniCluster starts and before the broker does; {@code after} once the broker stopped. */
        public Builder aroundBroker(Step before, Step after) {
            this.beforeBrokerStarts = before;
            this.afterBrokerStops = after;
            return this;
        }

        public EdgeInferCluster build() {
            return new EdgeInferCluster(this);
        }
    }

    // ---------------------------------------------------------------- what tests use

    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("no broker: started in beforeAll, unless built withoutBroker()");
        }
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** A topic no other test uses, created with {@code partitions} partitions. */
    public String topic(String base, int partitions) {
        String topic = KafkaTestUtils.freshTopic(base);
        broker().createTopics(partitions, topic);
        return topic;
    }

    /** A fresh compacted topic (control and blob topics are compacted). */
    public String compactedTopic(String base, int partitions) {
        String topic = KafkaTestUtils.freshTopic(base);
        broker().createTopics(partitions, Map.of("cleanup.policy", "compact"), topic);
        return topic;
    }

    /**
     * Fresh topics for one run of a job: input and results with {@code partitions} partitions,
     * dead letters, status and blobs with one, and a compacted single-partition control topic.
     */
    public JobTopics jobTopics(String inputBase, int partitions) {
        String input = KafkaTestUtils.freshTopic(inputBase);
        String results = KafkaTestUtils.freshTopic("results");
        String deadLetters = KafkaTestUtils.freshTopic("deadletter");
        String control = KafkaTestUtils.freshTopic("control");
        String status = KafkaTestUtils.freshTopic("status");
        String blobs = KafkaTestUtils.freshTopic("blobs");
        broker().createTopics(partitions, input, results);
        broker().createTopics(1, deadLetters, status, blobs);
        broker().createTopics(1, Map.of("cleanup.policy", "compact"), control);
        return new JobTopics(input, results, deadLetters, control, status, blobs,
                input.substring(input.indexOf('.') + 1));
    }

    /**
     * Builds a job on the MiniCluster's environment and starts it; it is cancelled when the test
     * (or, started in {@code @BeforeAll}, the class) ends, before the leak check.
     */
    public JobClient startJob(String name, JobDefinition definition) throws Exception {
        if (flink == null) {
            throw new IllegalStateException("no MiniCluster: build with miniCluster(taskManagers, slots)");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (restartOnFailure) {
            env.configure(KafkaTestUtils.fixedDelayRestarts());
        }
        definition.define(env);
        JobClient job = env.executeAsync(name);
        (inTest ? testJobs : classJobs).add(job);
        return job;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (flink != null) {
            flink.beforeAll(context);
        }
        if (withBroker) {
            brokerStepsBegun = true;
            beforeBrokerStarts.run();
            broker = EmbeddedKafkaBroker.start();
        }
        classBaseline = Snapshot.now();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (flink != null) {
            flink.beforeEach(context);
        }
        testBaseline = Snapshot.now();
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        try {
            cancel(testJobs);
            boolean classJobRunning = !classJobs.isEmpty();
            if (testBaseline != null) {
                assertNothingLeakedSince(testBaseline, context.getDisplayName(), !classJobRunning);
            }
        } finally {
            testBaseline = null;
            if (flink != null) {
                flink.afterEach(context);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            cancel(classJobs);
            if (classBaseline != null) { // null: beforeAll failed, and that failure is the one to see
                assertNothingLeakedSince(classBaseline, context.getDisplayName(), true);
            }
        } finally {
            try {
                if (broker != null) {
                    broker.close();
                    broker = null;
                }
            } finally {
                try {
                    if (brokerStepsBegun) {
                        brokerStepsBegun = false;
                        afterBrokerStops.run();
                    }
                } finally {
                    if (flink != null) {
                        flink.afterAll(context);
                    }
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return flink != null && flink.supportsParameter(parameter, context);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
        return flink.resolveParameter(parameter, context);
    }

    // ---------------------------------------------------------------- jobs and leaks

    private static void cancel(List<JobClient> jobs) throws Exception {
        try {
            for (JobClient job : jobs) {
                if (job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    continue; // the test cancelled it, or it finished
                }
                try {
                    job.cancel().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
                    if (!status.isGloballyTerminalState()) {
                        throw e;
                    }
                }
            }
        } finally {
            jobs.clear();
        }
    }

    private void assertNothingLeakedSince(Snapshot before, String scope, boolean checkKafkaClients)
            throws InterruptedException {
        List<String> leaks = new ArrayList<>();
        if (!KafkaTestUtils.eventually(() -> OnnxModelRunner.openRunners() <= before.onnxRunners()
                && OnnxModelRunner.openSessions() <= before.onnxSessions(), leakTimeout)) {
            leaks.add(String.format("%d model runner(s) and %d ONNX Runtime session(s) open, %d and %d before it",
                    OnnxModelRunner.openRunners(), OnnxModelRunner.openSessions(), before.onnxRunners(),
                    before.onnxSessions()));
        }
        if (checkKafkaClients
                && !KafkaTestUtils.eventually(() -> before.kafkaClientsOpenedSince().isEmpty(), leakTimeout)) {
            leaks.add("Kafka clients still open: " + before.kafkaClientsOpenedSince());
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(scope + " leaked (after " + leakTimeout.toSeconds() + " s): "
                    + String.join("; ", leaks));
        }
    }

    /** What was open at a point in time. */
    private record Snapshot(int onnxRunners, int onnxSessions, Set<ObjectName> kafkaClients) {

        static Snapshot now() {
            return new Snapshot(OnnxModelRunner.openRunners(), OnnxModelRunner.openSessions(), openKafkaClients());
        }

        /** Clients open now that were not open at the snapshot, by their JMX names. */
        Set<String> kafkaClientsOpenedSince() {
            Set<ObjectName> opened = new HashSet<>(openKafkaClients());
            opened.removeAll(kafkaClients);
            Set<String> names = new TreeSet<>();
            opened.forEach(n -> names.add(n.getCanonicalName()));
            return names;
        }

        private static Set<ObjectName> openKafkaClients() {
            Set<ObjectName> all = new HashSet<>();
            for (String kind : CLIENT_KINDS) {
                all.addAll(KafkaTestUtils.openKafkaClients(kind, "*"));
            }
            return all;
        }
    }
}

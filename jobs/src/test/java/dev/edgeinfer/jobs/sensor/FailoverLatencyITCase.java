package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingPacedProducer;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fast recovery, measured: a TaskManager dies under a running at-least-once job while readings
 * keep arriving; once every task runs again (restored, models reloaded, operators warmed up in
 * {@code open()}), the readings produced from then on are scored as fast as before the failure.
 * The test reports the p50/p99/max of those readings' latency (produced → result sent by the
 * sink) and checks that nothing was lost; the numbers themselves belong in the benchmark, not in
 * a timed assertion.
 */
class FailoverLatencyITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(2, 1).restartOnFailure().build();

    @Test
    void latencyOfReadingsProducedAfterTheJobRunsAgainIsReportedAndNothingIsLost(
            @InjectMiniCluster MiniCluster miniCluster, TestReporter reporter) throws Exception {
        BuiltModel model = TestingModels.v2();
        SensorJobHarness harness = new SensorJobHarness(CLUSTER, model, 4);
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(8, 1000, config.channels(), 31L);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        JobClient job = CLUSTER.startJob("failover-latency-it", env -> SensorAnomalyJob.build(env, config));
        TestingPacedProducer producer = TestingPacedProducer.start(CLUSTER.bootstrapServers(), data.records(harness.readings));
        long runningAgainAt;
        try {
            assertThat(KafkaTestUtils.eventually(
                            () -> KafkaTestUtils.count(CLUSTER.bootstrapServers(), harness.results, false) > expectedWindows / 5,
                            Duration.ofSeconds(90)))
                    .as("results before the kill")
                    .isTrue();
            miniCluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
            miniCluster.startTaskManager();
            assertThat(KafkaTestUtils.eventually(() -> runsAgain(miniCluster, job.getJobID()), Duration.ofSeconds(90)))
                    .as("every task restarted and running")
                    .isTrue();
            runningAgainAt = System.currentTimeMillis();
            assertThat(producer.isRunning()).as("readings must still arrive after the recovery").isTrue();
        } finally {
            assertThat(producer.await(120)).as("producer failure").isNull();
        }

        List<ConsumerRecord<byte[], byte[]>> results = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.results,
                false, r -> distinctWindows(r) >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(1));
        assertThat(distinctWindows(results)).as("every window scored at least once").isEqualTo(expectedWindows);

        List<Long> afterRecovery = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : results) {
            SensorResult r = SensorResultJson.fromJson(record.value());
            if (r.sourceTimestamp() >= runningAgainAt && seen.add(r.deviceId() + "#" + r.window())) {
                afterRecovery.add(record.timestamp() - r.sourceTimestamp());
            }
        }
        assertThat(afterRecovery).as("windows completed by readings produced after the recovery").isNotEmpty();
        afterRecovery.sort(null);
        String summary = String.format(Locale.ROOT,
                "after recovery: %d windows, latency (reading produced -> result sent) p50 %d ms, p99 %d ms, max %d ms",
                afterRecovery.size(), percentile(afterRecovery, 50), percentile(afterRecovery, 99),
                afterRecovery.get(afterRecovery.size() - 1));
        reporter.publishEntry("failoverLatency", summary);
        System.out.println("FailoverLatencyITCase " + summary);
        job.cancel().get(30, TimeUnit.SECONDS);
    }

    /** Every task runs, and at least one of them in a new attempt: the job restarted and is running again. */
    private static boolean runsAgain(MiniCluster miniCluster, JobID job) {
        try {
            AccessExecutionGraph graph = miniCluster.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
            boolean restarted = false;
            for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
                if (task.getExecutionState() != ExecutionState.RUNNING) {
                    return false;
                }
                restarted |= task.getCurrentExecutionAttempt().getAttemptNumber() > 0;
            }
            return restarted;
        } catch (Exception e) {
            return false;
        }
    }

    private static long distinctWindows(List<ConsumerRecord<byte[], byte[]>> results) {
        Set<String> windows = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : results) {
            try {
                SensorResult r = SensorResultJson.fromJson(record.value());
                windows.add(r.deviceId() + "#" + r.window());
            } catch (Exception e) {
                throw new IllegalStateException("unreadable result", e);
            }
        }
        return windows.size();
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}

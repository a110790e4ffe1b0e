package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TaskManagerFailover;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
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
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(2, 1).restartOnFailure().build();

    @Test
    void killingATaskManagerMidStreamLosesAndDuplicatesNoWindowInExactlyOnceMode(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        BuiltModel model = TestingModels.v1();
        SensorJobHarness harness = new SensorJobHarness(CLUSTER, model, 4).exactlyOnce();
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(8, 400, config.channels(), 11L);
        List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
        long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());

        JobClient job = CLUSTER.startJob("exactly-once-failover-it", env -> SensorAnomalyJob.build(env, config));

        // Readings keep flowing while the TaskManager dies, once some windows are committed and
        // the job is mid-stream.
        List<ConsumerRecord<byte[], byte[]>> committed = TaskManagerFailover.killATaskManagerMidStream(miniCluster,
                CLUSTER.bootstrapServers(), records, harness.results, expectedWindows / 5, Duration.ofSeconds(60), expectedWindows);

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

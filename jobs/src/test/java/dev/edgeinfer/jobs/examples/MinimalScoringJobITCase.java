package dev.edgeinfer.jobs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.operators.internal.VersionedInferenceOperator;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.sensor.SensorWindow;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

/**
 * The library example of docs/library.md, built against a real broker: a data team that follows
 * the docs gets the fresh-start protection — releases already on the control topic at submission
 * reach the inference operator before any data — without writing anything for it.
 */
class MinimalScoringJobITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().build();

    @Test
    void releasesOnTheControlTopicAtSubmissionAreHandedToTheOperatorOfTheExampleJob() throws Exception {
        // The example names the default control topic; this class's broker is its own.
        CLUSTER.broker().createTopics(1, Map.of("cleanup.policy", "compact"), "edge.models.control");
        ControlTopic control = new ControlTopic(CLUSTER.bootstrapServers(), "edge.models.control");
        ModelRelease v1 = ReleaseFactory.fromFile("sensor-anomaly", "v1", TestingModels.v1().file(), 0L, 100, "it", 1L);
        ModelRelease other = ReleaseFactory.fromFile("another-model", "v9", TestingModels.v1().file(), 0L, 100, "it", 1L);
        control.publish(v1);
        control.publish(other);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<SensorWindow> windows = env.fromData(new SensorWindow("dev-1", 0, 0, 1, 1, 4, new float[64]));
        MinimalScoringJob.attach(env, windows, CLUSTER.bootstrapServers()).print();

        VersionedInferenceOperator<?, ?, ?> operator = env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getOperatorFactory)
                .filter(f -> f instanceof SimpleOperatorFactory<?> s && s.getOperator() instanceof VersionedInferenceOperator)
                .map(f -> (VersionedInferenceOperator<?, ?, ?>) ((SimpleOperatorFactory<?>) f).getOperator())
                .findFirst()
                .orElseThrow(() -> new AssertionError("the example job has no versioned inference operator"));
        List<ModelRelease> published = operator.settings().publishedReleases();
        assertThat(published).as("releases handed to every subtask before any record").containsExactly(v1);
    }
}

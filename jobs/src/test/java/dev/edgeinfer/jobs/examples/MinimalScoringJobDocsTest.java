package dev.edgeinfer.jobs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class MinimalScoringJobDocsTest {

    private static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("docs")) ? here : here.getParent();
    }

    @Test
    void exampleJobBuildsAValidFlinkGraphWithTheVersionedOperator() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<SensorWindow> windows = env.fromData(
                new SensorWindow("dev-1", 0, 0, 1, 1, 4, new float[64]));
        MinimalScoringJob.attach(env, windows, "127.0.0.1:9092").print();
        StreamGraph graph = env.getStreamGraph();
        assertThat(graph.getStreamNodes()).anyMatch(node -> node.getOperatorName().contains("versioned onnx inference"));
    }

    @Test
    void docsShowExactlyTheCompiledExampleJob() throws Exception {
        String source = Files.readString(repo().resolve("jobs/src/main/java/dev/edgeinfer/jobs/examples/MinimalScoringJob.java"));
        String example = source.substring(source.indexOf("// example:begin\n") + "// example:begin\n".length(),
                source.indexOf("// example:end"));
        String doc = Files.readString(repo().resolve("docs/library.md"));
        assertThat(doc).as("docs/library.md must embed MinimalScoringJob verbatim").contains("```java\n" + example + "```");
    }
}

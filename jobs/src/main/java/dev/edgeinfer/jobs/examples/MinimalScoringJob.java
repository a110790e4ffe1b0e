package dev.edgeinfer.jobs.examples;

// example:begin
import dev.edgeinfer.broadcast.control.ControlStream;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/** A data team's own job: their windows in, versioned anomaly scores out. */
public final class MinimalScoringJob {

    /** What the team wants downstream: the window's key, its score and the exact model version. */
    public record Scored(String deviceId, long eventTime, float score, String modelVersion, String sha256) {}

    public static DataStream<Scored> attach(StreamExecutionEnvironment env, DataStream<SensorWindow> windows,
            String bootstrapServers) {
        // Releases (and rollbacks) arrive on the compacted control topic. Those already on it are
        // read here, at submission, and reach every subtask before any record.
        ControlStream control = ControlStream.builder()
                .setBootstrapServers(bootstrapServers)
                .setTopic("edge.models.control")
                .setGroupId("my-team-job")
                .setUid("my-control-source")
                .build(env);

        VersionedInference<SensorWindow, Float, Scored> inference =
                VersionedInference.<SensorWindow, Float, Scored>builder()
                        .setModelName("sensor-anomaly")
                        .setAdapter(new SensorAnomalyAdapter(4, 16))   // DJL translator: window -> features -> score
                        .setEventTime(SensorWindow::endTs)             // versions are chosen by event time
                        .setRoutingKey(SensorWindow::deviceId)         // canary buckets
                        .setResultBuilder((window, score, model, nanos) ->
                                new Scored(window.deviceId(), window.endTs(), score, model.version(), model.sha256()))
                        .setResultType(Scored.class)
                        .setAllowedLateness(Duration.ofSeconds(5))
                        .setUid("my-scoring")
                        .build();

        VersionedInference.Streams<Scored> out = inference.apply(windows, control);
        out.status().print("model-status");                         // STAGED / ACTIVE / REJECTED / RETIRED ...
        return out.results();
    }

    private MinimalScoringJob() {}
}
// example:end

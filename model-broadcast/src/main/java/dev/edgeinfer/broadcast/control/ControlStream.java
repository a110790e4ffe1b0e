package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.List;
import java.util.Objects;

/**
 * The model control stream of a job together with the releases that were already on the control
 * topic when the job was built (at submission). Hand it to {@code VersionedInference.apply}: the
 * operator then receives those releases on every subtask before any record, so a backlog of data
 * read on a fresh start or a replay can never be scored by a version that a release already
 * published would have replaced.
 *
 * <pre>{@code
 * ControlStream control = ControlStream.builder()
 *         .setBootstrapServers("kafka-1:9092")
 *         .setTopic("edge.models.control")
 *         .setGroupId("my-job-control")
 *         .build(env);
 * VersionedInference.Streams<Scored> out = inference.apply(windows, control);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The control topic is read once, at {@link Builder#build}
 * (that is, where the job graph is built: at submission), up to its end offsets at that moment;
 * releases published later arrive on {@link #messages()} only, exactly as before. Records on the
 * topic whose key is not their release id are left out of the bootstrap (the stream reports them
 * as {@code KEY_MISMATCH}). The stream itself is read from the earliest offset by one source
 * subtask (uid {@code kafka-source-control} unless set) and broadcast by the operator.
 *
 * @param messages the control records, parsed (bad ones as {@link ControlMessage.Rejected})
 * @param publishedAtSubmission the releases on the topic when the job was built, every model's
 */
@PublicEvolving
public record ControlStream(DataStream<ControlMessage> messages, List<ModelRelease> publishedAtSubmission) {

    public ControlStream {
        Objects.requireNonNull(messages, "messages");
        publishedAtSubmission = List.copyOf(Objects.requireNonNull(publishedAtSubmission, "publishedAtSubmission"));
    }

    /** A control stream from another source, with no releases known at submission. */
    public static ControlStream withoutBootstrap(DataStream<ControlMessage> messages) {
        return new ControlStream(messages, List.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ControlStream} on a Kafka control topic; {@link #build} says what is missing. */
    @PublicEvolving
    public static final class Builder {
        private String bootstrapServers;
        private String topic = ModelBroadcast.DEFAULT_CONTROL_TOPIC;
        private String groupId;
        private String uid = "kafka-source-control";
        private final java.util.Properties properties = new java.util.Properties();

        Builder() {}

        public Builder setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** The compacted control topic (default {@value ModelBroadcast#DEFAULT_CONTROL_TOPIC}). */
        public Builder setTopic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** The consumer group of the control source; give each job its own. */
        public Builder setGroupId(String groupId) {
            this.groupId = Objects.requireNonNull(groupId, "groupId");
            return this;
        }

        /**
         * Extra Kafka client properties (security, timeouts) for the control source and the read
         * of the releases published at submission; they cannot change bootstrap, topic or group.
         */
        public Builder setProperties(java.util.Map<String, String> properties) {
            this.properties.putAll(Objects.requireNonNull(properties, "properties"));
            return this;
        }

        /** The control source's uid, stable across versions of the job for savepoints. */
        public Builder setUid(String uid) {
            this.uid = Objects.requireNonNull(uid, "uid");
            return this;
        }

        /** Reads the releases published so far and adds the control source to {@code env}. */
        public ControlStream build(StreamExecutionEnvironment env) {
            Objects.requireNonNull(env, "env");
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalStateException("missing: call setBootstrapServers(\"host:port\") for the control topic");
            }
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalStateException("missing: call setGroupId(...) with this job's own consumer group");
            }
            java.util.Map<String, String> extra = new java.util.HashMap<>();
            properties.stringPropertyNames().forEach(k -> extra.put(k, properties.getProperty(k)));
            List<ModelRelease> published =
                    new ControlTopic(bootstrapServers, topic).withClientProperties(extra).readAll(true);
            DataStream<ControlMessage> messages = env.fromSource(
                            ModelBroadcast.controlSource(bootstrapServers, topic, groupId, properties),
                            WatermarkStrategy.noWatermarks(),
                            "model-control-source")
                    .uid(uid)
                    .setParallelism(1);
            return new ControlStream(messages, published);
        }
    }
}

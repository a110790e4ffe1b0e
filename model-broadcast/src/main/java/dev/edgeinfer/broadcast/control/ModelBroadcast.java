package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.connector.kafka.source.KafkaSource;

import java.util.Properties;

/**
 * Wiring constants for the model control plane: the broadcast-state descriptor that holds the
 * timeline, the type information of the control stream, and the control-topic source.
 *
 * <pre>{@code
 * DataStream<ControlMessage> control = env.fromSource(
 *         ModelBroadcast.controlSource("kafka:9092", ModelBroadcast.DEFAULT_CONTROL_TOPIC, "sensor-job-control"),
 *         WatermarkStrategy.noWatermarks(), "model-control");
 * BroadcastStream<ControlMessage> releases = control.broadcast(ModelBroadcast.RELEASES_STATE);
 * readings.connect(releases).process(new InferenceFunction(...));
 * // in processBroadcastElement: ctx.getBroadcastState(RELEASES_STATE).put(r.releaseId(), r);
 * // in processElement: ReleaseTimeline.of(values of RELEASES_STATE).resolve(model, ts, key)
 * }</pre>
 *
 * <p><b>Guarantees and caveats — the control-topic key.</b> Records on the (compacted) control
 * topic are keyed by {@link ModelRelease#releaseId()} ({@code model@activateAt@version@sha12}),
 * <em>not</em> by model name as the first architecture sketch said. Compaction keeps only the last
 * record per key; with a per-model key the topic would eventually hold only each model's latest
 * activation, and a job started fresh (or replaying old data) would score records from before
 * that activation with the wrong version — breaking "the same on every subtask, at every site,
 * after every restart and replay". With one key per activation compaction only removes exact
 * re-publishes. The control deserializer rejects records whose key is not the releaseId
 * ({@code KEY_MISMATCH}) so a misconfigured publisher is reported instead of silently eroding the
 * history. The source always starts from EARLIEST on a fresh start; broadcast elements are not
 * ordered across subtasks, which is why {@link ReleaseTimeline} is order-independent and
 * idempotent. Calling {@link #controlSource} needs {@code flink-connector-kafka} and
 * {@code flink-connector-base} on the class path (they are {@code provided} in this module).
 */
public final class ModelBroadcast {

    /** Default control topic name (compacted). */
    public static final String DEFAULT_CONTROL_TOPIC = "edge.models.control";
    /** Default status topic name. */
    public static final String DEFAULT_STATUS_TOPIC = "edge.models.status";

    /** Type of {@link ModelRelease} values, backed by {@link ModelReleaseSerializer} (JSON). */
    public static final TypeInformation<ModelRelease> RELEASE_TYPE =
            new SingletonTypeInfo<>(ModelRelease.class, ModelReleaseSerializer.INSTANCE);

    /** Type of the control stream, backed by {@link ControlMessageSerializer}. */
    public static final TypeInformation<ControlMessage> CONTROL_MESSAGE_TYPE =
            new SingletonTypeInfo<>(ControlMessage.class, ControlMessageSerializer.INSTANCE);

    /**
     * Broadcast state of all accepted releases: key = {@link ModelRelease#releaseId()}, value = the
     * release. Serializers are given explicitly (no Kryo/POJO fallback for the record with nested
     * lists). The state name is part of the savepoint format: do not rename it.
     */
    public static final MapStateDescriptor<String, ModelRelease> RELEASES_STATE =
            new MapStateDescriptor<>("edgeinfer-model-releases", StringSerializer.INSTANCE, ModelReleaseSerializer.INSTANCE);

    /**
     * Broadcast state of the deprecation advisories received: key =
     * {@link dev.edgeinfer.broadcast.release.DeprecationAdvisory#advisoryId()}, value = its
     * {@link dev.edgeinfer.broadcast.release.DeprecationJson} text. State written before advisories
     * existed simply has none. The state name is part of the savepoint format: do not rename it.
     */
    public static final MapStateDescriptor<String, String> DEPRECATIONS_STATE =
            new MapStateDescriptor<>("edgeinfer-deprecations", StringSerializer.INSTANCE, StringSerializer.INSTANCE);

    private ModelBroadcast() {}

    /**
     * The control-topic source: reads {@code topic} from EARLIEST, never fails on a bad record
     * (emits {@link ControlMessage.Rejected}), requires key == releaseId.
     */
    public static KafkaSource<ControlMessage> controlSource(String bootstrapServers, String topic, String groupId) {
        return ControlSource.create(bootstrapServers, topic, groupId, null);
    }

    /** As {@link #controlSource(String, String, String)}, with extra consumer properties (security etc.). */
    public static KafkaSource<ControlMessage> controlSource(
            String bootstrapServers, String topic, String groupId, Properties extraProperties) {
        return ControlSource.create(bootstrapServers, topic, groupId, extraProperties);
    }
}

package dev.edgeinfer.jobs.controller;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ControlSource;
import dev.edgeinfer.jobs.config.ControllerJobConfig;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The rollout controller: reads the heartbeats on the status topic and the releases on the control
 * topic, judges each model's newest canary, site wave or new version against its policy
 * ({@link ModelRollout}), and publishes signed rollbacks and promotions to the control topic, each
 * explained by a decision record on the status topic.
 *
 * <pre>
 * KafkaSource(edge.models.status) -> parse (bad records reported, skipped) -> keyBy(model) --+
 * KafkaSource(edge.models.control) -> keyBy(model) ------------------------------------------+-> judge
 *   judge -> KafkaSink(edge.models.control): signed releases
 *         -> KafkaSink(edge.models.status): decisions with their evidence
 * </pre>
 *
 * <p>Both sources start at the beginning of their topics on a fresh start (the same history
 * decides the same releases, so nothing new is published twice) and at the checkpointed offsets
 * on a restore. Every operator has a stable uid. Runs under {@code flink run} with
 * {@code --key value} arguments (the keys of {@code ControllerJobOptions}), or locally through
 * {@code edgeinfer controller}.
 */
public final class RolloutControllerJob {

    public static final String JOB_NAME = "edgeinfer-rollout-controller";

    private RolloutControllerJob() {}

    /** Entry point for {@code flink run}: {@code --kafka.bootstrap-servers host:9092 --controller.signing-key k.key ...}. */
    public static void main(String[] args) throws Exception {
        Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
        ControllerJobConfig config = ControllerJobConfig.from(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(JOB_NAME);
    }

    /** Configures {@code env} (parallelism, checkpointing) and adds the controller's graph to it. */
    public static void build(StreamExecutionEnvironment env, ControllerJobConfig config) {
        env.setParallelism(config.parallelism());
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        Properties client = new Properties();
        client.putAll(config.kafkaProperties());

        KafkaSource<Tuple2<String, byte[]>> statusSource = KafkaSource.<Tuple2<String, byte[]>>builder()
                .setProperties(client)
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.statusTopic())
                .setGroupId(config.groupId() + "-status")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new StatusRecords.Deserializer())
                .build();
        DataStream<Tuple2<String, byte[]>> heartbeats =
                env.fromSource(statusSource, WatermarkStrategy.noWatermarks(), "status-source")
                        .uid("kafka-source-status")
                        .process(new StatusRecords.Parse(), StatusRecords.TYPE)
                        .uid("parse-status")
                        .name("parse heartbeats (bad records reported and skipped)");
        DataStream<ControlMessage> control =
                env.fromSource(ControlSource.create(config.bootstrapServers(), config.controlTopic(),
                                        config.groupId() + "-control", client),
                                WatermarkStrategy.noWatermarks(), "control-source")
                        .uid("kafka-source-control");

        SingleOutputStreamOperator<Tuple2<String, byte[]>> releases = control
                .keyBy(RolloutControllerFunction::modelOf)
                .connect(heartbeats.keyBy(h -> h.f0))
                .process(new RolloutControllerFunction(config.policy(), config.name(), config.models(),
                        config.signingKey(), config.keyId(), publishedReleases(config)), StatusRecords.TYPE)
                .uid("rollout-controller")
                .name("judge rollouts");
        releases.sinkTo(sink(config, config.controlTopic()))
                .uid("kafka-sink-control")
                .name("signed releases");
        releases.getSideOutput(RolloutControllerFunction.DECISIONS)
                .sinkTo(sink(config, config.statusTopic()))
                .uid("kafka-sink-decisions")
                .name("decisions");
    }

    /** The releases on the control topic now, at submission (see {@link RolloutControllerFunction}). */
    static java.util.List<dev.edgeinfer.broadcast.release.ModelRelease> publishedReleases(ControllerJobConfig config) {
        return new dev.edgeinfer.broadcast.control.ControlTopic(config.bootstrapServers(), config.controlTopic())
                .withClientProperties(config.kafkaProperties())
                .readAll(true);
    }

    /**
     * {@code (key, value)} records to {@code topic}, at least once: a release is identified by its
     * id, so a duplicate after a failover is the same activation.
     */
    static KafkaSink<Tuple2<String, byte[]>> sink(ControllerJobConfig config, String topic) {
        Properties client = new Properties();
        client.putAll(config.kafkaProperties());
        KafkaRecordSerializationSchema<Tuple2<String, byte[]>> serializer = (element, context, timestamp) ->
                new ProducerRecord<>(topic, element.f0.getBytes(StandardCharsets.UTF_8), element.f1);
        return KafkaSink.<Tuple2<String, byte[]>>builder()
                .setKafkaProducerConfig(client)
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(serializer)
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}

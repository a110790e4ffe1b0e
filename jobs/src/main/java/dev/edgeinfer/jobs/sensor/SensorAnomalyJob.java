package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.broadcast.fetch.ModelFetcher;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.jobs.config.InvalidConfigurationException;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.jobs.kafka.JobKafka;
import dev.edgeinfer.jobs.kafka.JsonRecordSerializer;
import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.jobs.kafka.RawRecordDeserializer;
import dev.edgeinfer.jobs.kafka.WarmSerializer;
import dev.edgeinfer.operators.PredictionSummary;
import dev.edgeinfer.operators.VersionedInference;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.operators.sensor.SensorAnomalyAdapter;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

import java.io.IOException;


/**
 * The sensor anomaly job: readings from Kafka, validated (bad ones dead-lettered), event-time
 * watermarks, sliding count windows per device, versioned ONNX scoring (model releases arrive on
 * the control topic and roll over in flight), results back to Kafka.
 *
 * <pre>
 * KafkaSource(edge.sensor.readings) -> parse/validate --dead letters--> KafkaSink(edge.inference.deadletter)
 *   -> watermarks -> keyBy(deviceId) -> sliding count windows
 *   -> versioned ONNX inference <--broadcast-- KafkaSource(edge.models.control)
 *   -> KafkaSink(edge.inference.results);  status side output -> KafkaSink(edge.models.status)
 * </pre>
 *
 * <p>Every operator has a stable uid so savepoints survive code changes. Runs under
 * {@code flink run} with {@code --key value} arguments (the keys of {@code SensorJobOptions}),
 * or locally through the {@code edgeinfer run} and {@code edgeinfer demo} commands.
 */
public final class SensorAnomalyJob {

    public static final String JOB_NAME = "edgeinfer-sensor-anomaly";

    private SensorAnomalyJob() {}

    /** Entry point for {@code flink run}: {@code --kafka.bootstrap-servers host:9092 --model.version v1 ...}. */
    public static void main(String[] args) throws Exception {
        Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
        SensorJobConfig config = SensorJobConfig.from(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(JOB_NAME);
    }

    /** Configures {@code env} (parallelism, checkpointing, latency) and adds the job's graph to it. */
    public static void build(StreamExecutionEnvironment env, SensorJobConfig config) {
        build(env, config, JobKafka.modelFetcher(config));
    }

    /** As {@link #build(StreamExecutionEnvironment, SensorJobConfig)}, fetching model bytes with {@code fetcher}. */
    public static void build(StreamExecutionEnvironment env, SensorJobConfig config, ModelFetcher fetcher) {
        JobKafka.configure(env, config);
        KafkaSource<RawRecord> source = source(config);

        SingleOutputStreamOperator<SensorReading> readings =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "readings-source")
                        .uid("kafka-source-readings")
                        .process(
                                new ParseReadings(
                                        new SensorReadingParser(
                                                config.channels(), config.maxRecordBytes(), config.maxFutureSkew()),
                                        config.warmupMaxTime()))
                        .uid("parse-readings")
                        .name("parse and validate readings");
        JobKafka.sinkDeadLetters(readings.getSideOutput(ParseReadings.DEAD_LETTERS), config,
                WarmSerializer.of(new DeadLetterSerializer(config.deadLetterTopic()), config.deadLetterTopic(),
                        SensorWarmup::deadLetter, config.warmupMaxTime()));

        DataStream<SensorWindow> windows =
                readings.assignTimestampsAndWatermarks(
                                WatermarkStrategy.<SensorReading>forBoundedOutOfOrderness(config.maxOutOfOrderness())
                                        .withTimestampAssigner((reading, previous) -> reading.ts())
                                        .withIdleness(config.watermarkIdleness()))
                        .uid("event-time-watermarks")
                        .name("event-time watermarks")
                        .keyBy(SensorReading::deviceId)
                        .process(new SlidingCountWindower(config.windowSize(), config.windowSlide(), config.channels(),
                                config.warmupMaxTime()))
                        .uid("sliding-count-windows")
                        .name("sliding count windows");

        float threshold = (float) config.anomalyThreshold();
        String site = config.siteId();
        VersionedInference.Builder<SensorWindow, Float, SensorResult> inference =
                VersionedInference.<SensorWindow, Float, SensorResult>builder()
                        .setAdapter(new SensorAnomalyAdapter(config.channels(), config.windowSize()))
                        .setEventTime(SensorWindow::endTs)
                        .setRoutingKey(SensorWindow::deviceId)
                        .setResultBuilder((window, score, model, nanos) ->
                                SensorResult.of(window, score, threshold, model, site))
                        .setPredictionSummary(PredictionSummary.scoreAbove(threshold))
                        .setResultType(SensorResult.class);
        JobKafka.configureInference(inference, config, fetcher, JOB_NAME);
        if (config.model() != null) {
            inference.addInitialRelease(initialRelease(config));
        }
        int channels = config.channels();
        int windowSize = config.windowSize();
        JobKafka.sinkOutputs(inference.build().apply(windows, JobKafka.controlStream(env, config)), config,
                WarmSerializer.of(
                        JsonRecordSerializer.of(config.resultsTopic(), SensorResult::deviceId, SensorResultJson::toJson),
                        config.resultsTopic(), () -> SensorWarmup.result(channels, windowSize), config.warmupMaxTime()));
    }

    /** The readings source: the shared Kafka source settings, nothing of its own. */
    public static KafkaSource<RawRecord> source(SensorJobConfig config) {
        return JobKafka.source(config, config.readingsTopic(), new RawRecordDeserializer()).build();
    }

    /**
     * The configured model as a release active since the beginning of time. Its publication time
     * is fixed (0) so every submission describes the same release and replays stay identical.
     */
    static ModelRelease initialRelease(SensorJobConfig config) {
        try {
            return ReleaseFactory.fromFile(config.modelName(), config.model().version(), config.modelPath(),
                    0L, 100, "job-config", 0L);
        } catch (IOException e) {
            throw new InvalidConfigurationException(SensorJobOptions.MODEL_PATH.key(), e.getMessage(), e);
        }
    }
}

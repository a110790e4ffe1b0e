package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.operators.ModelAdapter;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer bench} needs to know about one kind of workload (sensor readings,
 * video frames, ...). The runner ({@link BenchRunner}) owns everything else: the broker, the
 * MiniCluster, the open-loop schedule, latency matching, the rollover, the report and the chart.
 *
 * <p>To add a scenario: implement this interface (see {@link SensorBenchScenario}) and register
 * it in {@link BenchScenarios}. The three measurements use exactly these hooks:
 * <ol>
 *   <li><b>bare ONNX Runtime</b>: {@link #adapter()} (the pipeline's own translator, made for the
 *       model's release as the operator makes it) and
 *       {@link #bareOrtBatch(int, long)} in a loop on one {@code OnnxModelRunner} per thread;
 *   <li><b>pass-through</b>: {@link #buildPassthrough} (source, parse, sink; no model), fed by
 *       {@link #newInputs} and matched back with {@link #decodePassthroughOutput};
 *   <li><b>pipeline</b>: {@link #buildPipeline} (the real job), fed the same way, matched with
 *       {@link #decodePipelineOutput}; versions come from the control topic.
 * </ol>
 *
 * @param <IN> what the model scores (a sensor window, a frame)
 * @param <P> the model's prediction per input
 */
public interface BenchScenario<IN, P> {

    /** The {@code --scenario} name. */
    String name();

    /** What one inference scores, plural ("windows", "frames"): the unit of throughput. */
    String unit();

    /**
     * Input records per inference in steady state (sensor: the window slide, 4 readings per
     * window; frames: 1). Converts inference throughput into input records per second.
     */
    double inputsPerInference();

    /** Open-loop input records per second when {@code --rate} is not given (sensor: 2,000 readings/s). */
    double defaultRate();

    /**
     * Records preloaded before each job when {@code --backlog} is not given: enough for a
     * saturation drain of several seconds on a small machine, few enough to preload quickly.
     */
    long defaultBacklog();

    /** The pipeline p99 target of this workload at its default rate, ms (the report and chart judge against it). */
    double p99TargetMs();

    /** An image model's square input in pixels ({@code --model-size}), reported in the settings; null if none. */
    default Integer modelSize() {
        return null;
    }

    /** How the inputs are encoded where there is a choice ({@code --frame-format}), reported in the settings; null if none. */
    default String inputFormat() {
        return null;
    }

    /** Keys (devices, cameras) to spread {@code ratePerSecond} records over; at least {@link LoadSchedule#minDevices}. */
    int devices(double ratePerSecond);

    /** The topics this scenario's jobs read and write; the runner creates them. */
    Topics topics();

    /**
     * Builds the model versions to serve into {@code dir}: the first serves from the start, the
     * second is published mid-run for the rollover. Both must fit {@link #adapter()}.
     */
    List<ServedModel> buildModels(Path dir, PrintStream out) throws Exception;

    /** The adapter (translator + warm-up batch) the pipeline's inference operator uses. */
    ModelAdapter<IN, P> adapter();

    /** A batch of {@code batchSize} realistic model inputs for the bare ONNX Runtime loop. */
    List<IN> bareOrtBatch(int batchSize, long seed);

    /** A fresh source of input records for {@code devices} keys named {@code prefix + index}. */
    Inputs newInputs(String prefix, int devices, long seed);

    /**
     * Outputs a job must produce for {@code inputsPerDevice} records from each of {@code devices}
     * keys: the pipeline's (e.g. full sliding windows) or the pass-through's (one per input).
     */
    long expectedOutputs(long inputsPerDevice, int devices, boolean pipeline);

    /** How this scenario's jobs are configured and built: the real job and its pass-through. */
    BenchJobs<?> jobs();

    /** Settings of this scenario's own a bench job adds to {@link #jobs()}'s (e.g. the window geometry); none by default. */
    default void configureJob(Configuration conf) {}

    /** Adds the full pipeline to {@code env}: input topic to results topic, models from the control topic. */
    default void buildPipeline(StreamExecutionEnvironment env, JobSpec spec) {
        buildJob(env, spec, true);
    }

    /** Adds the pass-through to {@code env}: the pipeline's source, parse and sink, no model. */
    default void buildPassthrough(StreamExecutionEnvironment env, JobSpec spec) {
        buildJob(env, spec, false);
    }

    private void buildJob(StreamExecutionEnvironment env, JobSpec spec, boolean pipeline) {
        Topics topics = topics();
        Configuration conf = jobs().configuration(spec, pipeline ? topics.pipelineInput() : topics.passthroughInput(),
                pipeline ? topics.pipelineOutput() : topics.passthroughOutput());
        configureJob(conf);
        jobs().build(env, conf, pipeline);
    }

    /** Which input completed this pipeline output, or {@code null} to ignore it. */
    Output decodePipelineOutput(ConsumerRecord<byte[], byte[]> record) throws Exception;

    /** Which input this pass-through output carries, or {@code null} to ignore it. */
    default Output decodePassthroughOutput(ConsumerRecord<byte[], byte[]> record) throws Exception {
        return PassthroughJob.decode(record);
    }

    /** Topic names. */
    record Topics(
            String pipelineInput,
            String pipelineOutput,
            String passthroughInput,
            String passthroughOutput,
            String control,
            List<String> otherPipelineTopics) {

        /**
         * A job's topics under their default names (the pipeline reads and writes where a deployed
         * job would), with the pass-through on its own pair so its records never mix with the pipeline's.
         */
        static Topics withDefaultNames(ConfigOption<String> inputKey, ConfigOption<String> resultsKey,
                ConfigOption<String> deadLetterKey, String passthroughInput, String passthroughOutput) {
            Configuration defaults = new Configuration();
            return new Topics(defaults.get(inputKey), defaults.get(resultsKey), passthroughInput, passthroughOutput,
                    defaults.get(KafkaJobOptions.CONTROL_TOPIC), List.of(defaults.get(deadLetterKey),
                            defaults.get(KafkaJobOptions.STATUS_TOPIC), defaults.get(KafkaJobOptions.BLOBS_TOPIC)));
        }
    }

    /**
     * A model file the scenario built.
     *
     * @param metadata release metadata the model needs (e.g. an image classifier's
     *     {@code image.mean}, {@code image.std}, {@code labels}): every release of it carries it,
     *     and bare ORT builds its translator from it, as the versioned operator does
     */
    record ServedModel(ModelId id, Path file, Map<String, String> metadata) {
        public ServedModel {
            metadata = Map.copyOf(metadata);
        }

        public ServedModel(ModelId id, Path file) {
            this(id, file, Map.of());
        }
    }

    /**
     * Settings for building a job graph.
     *
     * @param bootstrapServers the broker
     * @param parallelism subtasks per operator (and bare-ORT threads)
     * @param batchSize micro-batch size (where the job supports it) and bare-ORT batch
     * @param batchDelay micro-batch fill delay (where supported)
     * @param groupId consumer group of the job's input source
     * @param modelsRoot directory release {@code file:} URIs lie under
     * @param trustedKeys public key file the releases are signed with (null: unsigned)
     * @param modelCacheDir the content-addressed model cache of this run
     */
    record JobSpec(
            String bootstrapServers,
            int parallelism,
            int batchSize,
            Duration batchDelay,
            String groupId,
            Path modelsRoot,
            Path trustedKeys,
            Path modelCacheDir) {

        /**
         * The settings every job reads alike ({@link KafkaJobOptions}, plus the job's consumer
         * group): where and how a bench job runs, whichever scenario it serves.
         */
        Configuration jobConfiguration(ConfigOption<String> groupIdOption) {
            Configuration conf = new Configuration();
            conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrapServers);
            conf.set(groupIdOption, groupId);
            conf.set(KafkaJobOptions.PARALLELISM, parallelism);
            conf.set(KafkaJobOptions.MODELS_ROOT, modelsRoot.toString());
            conf.set(KafkaJobOptions.MODEL_CACHE_DIR, modelCacheDir.toString());
            if (trustedKeys != null) {
                conf.set(KafkaJobOptions.TRUSTED_KEYS, trustedKeys.toString());
            }
            conf.set(KafkaJobOptions.BATCH_MAX_SIZE, batchSize);
            conf.set(KafkaJobOptions.BATCH_MAX_DELAY, batchDelay);
            return conf;
        }
    }

    /**
     * One output matched to its input.
     *
     * @param deviceId the key ({@code prefix + index})
     * @param seq the device's record number of the input that completed the output; -1 when the
     *     output only carries the event time (then {@link LoadSchedule#seqOf} finds it)
     * @param eventTimeMs that input's event time
     * @param version model version that scored it, null for the pass-through
     */
    record Output(String deviceId, long seq, long eventTimeMs, String version) {}

    /** Generates the input records of one run (called from one thread). */
    interface Inputs {
        /** Record {@code seq} of device {@code device} with event time {@code eventTimeMs}. */
        ProducerRecord<byte[], byte[]> record(String topic, int device, long seq, long eventTimeMs);
    }
}

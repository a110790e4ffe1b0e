package dev.edgeinfer.cli.bench;

import dev.edgeinfer.cli.bench.BenchScenario.JobSpec;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How one scenario's two bench jobs are configured and built: the keys its job reads its consumer
 * group, starting offsets, topics and model name from, the model it serves, its configuration
 * parser, and its full pipeline and pass-through. Every scenario's jobs are set up the same way
 * from these, so a scenario states only what differs.
 *
 * @param <C> the job's validated configuration
 */
record BenchJobs<C>(
        ConfigOption<String> groupIdKey,
        ConfigOption<StartingOffsets> startingOffsetsKey,
        ConfigOption<String> inputTopicKey,
        ConfigOption<String> resultsTopicKey,
        ConfigOption<String> modelNameKey,
        String modelName,
        Function<Configuration, C> parser,
        BiConsumer<StreamExecutionEnvironment, C> pipeline,
        BiConsumer<StreamExecutionEnvironment, C> passthrough) {

    /**
     * The job's configuration for a bench job reading {@code input} and writing {@code output}:
     * the spec's settings, from the earliest offsets (the backlog is preloaded before the job starts).
     */
    Configuration configuration(JobSpec spec, String input, String output) {
        Configuration conf = spec.jobConfiguration(groupIdKey);
        conf.set(startingOffsetsKey, StartingOffsets.EARLIEST);
        conf.set(inputTopicKey, input);
        conf.set(resultsTopicKey, output);
        conf.set(modelNameKey, modelName);
        return conf;
    }

    /** Adds the full pipeline ({@code fullPipeline}) or the pass-through, configured by {@code conf}, to {@code env}. */
    void build(StreamExecutionEnvironment env, Configuration conf, boolean fullPipeline) {
        (fullPipeline ? pipeline : passthrough).accept(env, parser.apply(conf));
    }
}

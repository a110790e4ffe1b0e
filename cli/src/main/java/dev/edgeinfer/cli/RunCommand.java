package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgeinfer run}: the sensor job against your Kafka, on a local MiniCluster. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the sensor anomaly job on a local Flink MiniCluster against an existing Kafka cluster.",
            "It runs until interrupted. Any setting from the configuration table can be given with",
            "--set key=value.",
            "Without --model, the demo model (v1) is built into --work-dir and served."
        })
final class RunCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--model", description = "ONNX file to serve (default: build the demo model).")
    Path model;

    @Option(names = "--model-version", description = "Version label of --model (required with --model).")
    String modelVersion;

    @Option(names = "--parallelism", description = "Flink parallelism (default: 2).")
    Integer parallelism;

    @Option(names = "--work-dir", defaultValue = ".edgeinfer", description = "Where the demo model is built (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = {"--set", "-D"}, description = "Any configuration option, key=value (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Configuration conf = Configuration.fromMap(settings);
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrap);
        if (parallelism != null) {
            conf.set(KafkaJobOptions.PARALLELISM, parallelism);
        }
        if (model != null) {
            if (modelVersion == null) {
                throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(this), "--model-version is required with --model");
            }
            conf.set(SensorJobOptions.MODEL_PATH, model.toString());
            conf.set(KafkaJobOptions.MODEL_VERSION, modelVersion);
        } else if (!conf.contains(SensorJobOptions.MODEL_PATH)) {
            BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), workDir.resolve("models"));
            System.out.println("built demo model " + v1.id() + " at " + v1.file());
            conf.set(SensorJobOptions.MODEL_PATH, v1.file().toString());
            conf.set(KafkaJobOptions.MODEL_VERSION, v1.id().version());
        }
        SensorJobConfig config = SensorJobConfig.from(conf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        LocalCluster.config(config.parallelism()));
        SensorAnomalyJob.build(env, config);
        System.out.printf("running %s: %s -> %s (dead letters: %s), model %s, %s, parallelism %d; Ctrl-C stops%n",
                SensorAnomalyJob.JOB_NAME, config.readingsTopic(), config.resultsTopic(), config.deadLetterTopic(),
                config.model(), config.deliveryGuarantee(), config.parallelism());
        env.execute(SensorAnomalyJob.JOB_NAME);
        return 0;
    }
}

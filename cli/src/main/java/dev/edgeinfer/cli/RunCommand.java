package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobConfig;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.frames.FrameClassificationJob;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code edgeinfer run}: the sensor or frame job against your Kafka, on a local MiniCluster. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the sensor or frame job on a local Flink MiniCluster against an existing Kafka cluster.",
            "--job sensor (default) runs the sensor anomaly job, --job frames the frame classification job;",
            "each runs until interrupted. Any setting from that job's configuration table can be given",
            "with --set key=value.",
            "Without --model, the job's demo model (v1) is built into --work-dir and served.",
            "Checkpoints are retained in --state-dir; a new run resumes from the latest completed one",
            "(windows, offsets, model state), so a crash or power loss costs no window. --fresh starts over."
        })
final class RunCommand implements Callable<Integer> {

    /** The jobs {@code run} serves. */
    enum Job {
        sensor,
        frames
    }

    @Option(names = "--job", defaultValue = "sensor",
            description = "Which job: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Job job = Job.sensor;

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

    @Option(names = "--state-dir", description = "Where retained checkpoints are kept and resumed from (default: <work-dir>/state/<job>).")
    Path stateDir;

    @Option(names = "--fresh", description = "Start over: delete the retained checkpoints in --state-dir instead of resuming from them.")
    boolean fresh;

    @Option(names = {"--set", "-D"}, description = "Any configuration option, key=value (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        KafkaJobConfig config = config();
        Configuration cluster = LocalCluster.config(config.parallelism());
        resumeOrStartFresh(cluster);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(cluster);
        String jobName;
        if (config instanceof FrameJobConfig frames) {
            FrameClassificationJob.build(env, frames);
            jobName = FrameClassificationJob.JOB_NAME;
            System.out.printf("running %s: %s -> %s (dead letters: %s), model %s, %s, parallelism %d; Ctrl-C stops%n",
                    jobName, frames.framesTopic(), frames.resultsTopic(), frames.deadLetterTopic(), frames.model(),
                    frames.deliveryGuarantee(), frames.parallelism());
        } else {
            SensorJobConfig sensor = (SensorJobConfig) config;
            SensorAnomalyJob.build(env, sensor);
            jobName = SensorAnomalyJob.JOB_NAME;
            System.out.printf("running %s: %s -> %s (dead letters: %s), model %s, %s, parallelism %d; Ctrl-C stops%n",
                    jobName, sensor.readingsTopic(), sensor.resultsTopic(), sensor.deadLetterTopic(), sensor.model(),
                    sensor.deliveryGuarantee(), sensor.parallelism());
        }
        env.execute(jobName);
        return 0;
    }

    /**
     * Checkpoints retained in the state directory; the job resumes from the latest completed one
     * unless {@code --fresh}, and says which on the console.
     */
    void resumeOrStartFresh(Configuration cluster) throws IOException {
        RetainedCheckpoints checkpoints = new RetainedCheckpoints(stateDirectory());
        Optional<RetainedCheckpoints.Completed> resume = Optional.empty();
        if (fresh) {
            int deleted = checkpoints.deleteAll();
            System.out.printf("--fresh: starting over with empty state (deleted %d retained checkpoint(s) in %s)%n",
                    deleted, checkpoints.directory());
        } else {
            resume = checkpoints.latestCompleted();
            checkpoints.removeRunsWithout(resume);
            System.out.println(resume.map(c -> "resuming from " + c)
                    .orElse("no completed checkpoint in " + checkpoints.directory() + ": starting with empty state"));
        }
        checkpoints.configure(cluster, resume);
    }

    /** {@code --state-dir}, or {@code state/<job>} under {@code --work-dir} (each job resumes only its own state). */
    Path stateDirectory() {
        return stateDir != null ? stateDir : workDir.resolve("state").resolve(job.name());
    }

    /**
     * The chosen job's validated configuration from the arguments; builds the job's demo model
     * into {@code --work-dir} when neither {@code --model} nor {@code model.path} names one.
     */
    KafkaJobConfig config() throws java.io.IOException {
        Configuration conf = Configuration.fromMap(settings);
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrap);
        if (parallelism != null) {
            conf.set(KafkaJobOptions.PARALLELISM, parallelism);
        }
        // Both jobs name their initial model's file model.path.
        var modelPath = job == Job.frames ? FrameJobOptions.MODEL_PATH : SensorJobOptions.MODEL_PATH;
        if (model != null) {
            if (modelVersion == null) {
                throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(this), "--model-version is required with --model");
            }
            conf.set(modelPath, model.toString());
            conf.set(KafkaJobOptions.MODEL_VERSION, modelVersion);
        } else if (!conf.contains(modelPath)) {
            Path models = workDir.resolve("models");
            Path file;
            String version;
            if (job == Job.frames) {
                FrameModelFactory.BuiltFrameModel v1 = FrameModelFactory.build(FrameModelFactory.Spec.v1(), models);
                file = v1.file();
                version = v1.id().version();
                System.out.println("built demo model " + v1.id() + " at " + file);
            } else {
                BuiltModel v1 = SensorModelFactory.build(SensorModelSpec.v1(), models);
                file = v1.file();
                version = v1.id().version();
                System.out.println("built demo model " + v1.id() + " at " + file);
            }
            conf.set(modelPath, file.toString());
            conf.set(KafkaJobOptions.MODEL_VERSION, version);
        }
        return job == Job.frames ? FrameJobConfig.from(conf) : SensorJobConfig.from(conf);
    }
}

package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.ControllerJobConfig;
import dev.edgeinfer.jobs.config.ControllerJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.controller.RolloutControllerJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgeinfer controller}: the rollout controller against your Kafka, on a local MiniCluster. */
@Command(
        name = "controller",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the rollout controller on a local Flink MiniCluster against an existing Kafka cluster, until interrupted.",
            "It reads the heartbeats on the status topic and the releases on the control topic.",
            "Per model it rolls a canary, site wave or new version back to the previous good version",
            "when its error rate, p99 or output drift trips the policy, and promotes a healthy canary",
            "or site wave to every site after a dwell. Its releases are signed with --sign-key (sites",
            "must trust the matching public key); each decision is explained on the status topic and",
            "in the log. Any controller option can be given with --set key=value."
        })
final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--sign-key", required = true,
            description = "The controller's Ed25519 private key (e.g. from `edgeinfer keys generate --name controller`).")
    Path signKey;

    @Option(names = "--public-key", description = "The matching public key (default: --sign-key with .pub for .key).")
    Path publicKey;

    @Option(names = {"--set", "-D"}, description = "Any controller option, key=value (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        ControllerJobConfig config = config();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(LocalCluster.config(config.parallelism()));
        RolloutControllerJob.build(env, config);
        System.out.printf("running %s: %s -> %s (decisions on %s), signing with key %s, models %s, policy %s;"
                        + " Ctrl-C stops%n", RolloutControllerJob.JOB_NAME, config.statusTopic(), config.controlTopic(),
                config.statusTopic(), config.keyId(), config.models().isEmpty() ? "all" : config.models(),
                config.policy());
        env.execute(RolloutControllerJob.JOB_NAME);
        return 0;
    }

    /** The validated configuration from the arguments. */
    ControllerJobConfig config() {
        Configuration conf = Configuration.fromMap(settings);
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(ControllerJobOptions.SIGNING_KEY, signKey.toString());
        if (publicKey != null) {
            conf.set(ControllerJobOptions.PUBLIC_KEY, publicKey.toString());
        }
        if (!conf.contains(KafkaJobOptions.PARALLELISM)) {
            conf.set(KafkaJobOptions.PARALLELISM, 1);
        }
        return ControllerJobConfig.from(conf);
    }
}

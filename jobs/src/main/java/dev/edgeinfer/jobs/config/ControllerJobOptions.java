package dev.edgeinfer.jobs.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * Every setting of the rollout controller job, declared once with key, type, default and
 * description; it shares the Kafka, topic and checkpoint settings of {@link KafkaJobOptions}.
 * {@link ControllerJobConfig} reads and validates them; the README's controller table is generated
 * from {@link #all()} ({@code ./edgeinfer config-docs --controller}) and a test keeps the two in sync.
 */
public final class ControllerJobOptions {

    private ControllerJobOptions() {}

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("controller.group-id")
                    .stringType()
                    .defaultValue("edgeinfer-controller")
                    .withDescription("Consumer group id of the controller's status and control sources.");

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("controller.name")
                    .stringType()
                    .defaultValue("edgeinfer-controller")
                    .withDescription("Publisher name of the controller's releases (the audit trail); releases under this name are never judged.");

    public static final ConfigOption<String> SIGNING_KEY =
            ConfigOptions.key("controller.signing-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The controller's own Ed25519 private key (PEM, e.g. from `edgeinfer keys generate --name controller`), readable on every TaskManager. Required. Sites trust its decisions by listing its public key in model.trusted-keys.");

    public static final ConfigOption<String> PUBLIC_KEY =
            ConfigOptions.key("controller.public-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The matching public key (PEM); default: the signing key's path with .pub for .key.");

    public static final ConfigOption<String> MODELS =
            ConfigOptions.key("controller.models")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Models the controller judges, comma-separated; empty: every model on the status topic.");

    public static final ConfigOption<Integer> MIN_RECORDS =
            ConfigOptions.key("controller.min-records")
                    .intType()
                    .defaultValue(200)
                    .withDescription("Records a version must have scored within controller.window before it is judged at all.");

    public static final ConfigOption<Duration> WINDOW =
            ConfigOptions.key("controller.window")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("How far back (by heartbeat time) the evidence on a version reaches.");

    public static final ConfigOption<Duration> PROMOTE_DWELL =
            ConfigOptions.key("controller.promote-dwell")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("How long a canary or site wave must stay healthy, without a break, before it is promoted to every key and site.");

    public static final ConfigOption<Double> MAX_ERROR_RATE =
            ConfigOptions.key("controller.max-error-rate")
                    .doubleType()
                    .defaultValue(0.02)
                    .withDescription("Error rate (failed model calls and NaN/Inf outputs) above which a version is rolled back.");

    public static final ConfigOption<Double> CLEAR_ERROR_RATE =
            ConfigOptions.key("controller.clear-error-rate")
                    .doubleType()
                    .defaultValue(0.005)
                    .withDescription("Error rate at or below which a version counts as healthy (hysteresis: <= controller.max-error-rate).");

    public static final ConfigOption<Duration> LATENCY_BUDGET =
            ConfigOptions.key("controller.latency-budget")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription("p99 model-call latency above which a version is rolled back; 0: latency is not judged.");

    public static final ConfigOption<Double> CLEAR_LATENCY_FRACTION =
            ConfigOptions.key("controller.clear-latency-fraction")
                    .doubleType()
                    .defaultValue(0.8)
                    .withDescription("Share of controller.latency-budget at or below which the p99 counts as healthy.");

    public static final ConfigOption<Double> MAX_DRIFT_PSI =
            ConfigOptions.key("controller.max-drift-psi")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription("Output drift (PSI of the score bins against the previous version's) above which a version is rolled back.");

    public static final ConfigOption<Double> CLEAR_DRIFT_PSI =
            ConfigOptions.key("controller.clear-drift-psi")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription("Output drift at or below which a version counts as healthy.");

    public static final ConfigOption<Double> MIN_SHADOW_AGREEMENT =
            ConfigOptions.key("controller.min-shadow-agreement")
                    .doubleType()
                    .defaultValue(0.9)
                    .withDescription("Shadow agreement below which a version is rolled back (judged only when heartbeats report one).");

    public static final ConfigOption<Double> CLEAR_SHADOW_AGREEMENT =
            ConfigOptions.key("controller.clear-shadow-agreement")
                    .doubleType()
                    .defaultValue(0.97)
                    .withDescription("Shadow agreement at or above which a version counts as healthy.");

    public static final ConfigOption<Duration> ACTIVATION_LEAD =
            ConfigOptions.key("controller.activation-lead")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("How far after the deciding heartbeat (event time) a rollback or promotion activates.");

    /** The shared options the controller reads, then its own, in declaration order (docs, unknown-key checks). */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> all = new java.util.ArrayList<>(List.of(KafkaJobOptions.BOOTSTRAP_SERVERS,
                KafkaJobOptions.CONTROL_TOPIC, KafkaJobOptions.STATUS_TOPIC, KafkaJobOptions.PARALLELISM,
                KafkaJobOptions.CHECKPOINT_INTERVAL));
        all.addAll(JobConfigReader.declaredOptions(ControllerJobOptions.class));
        return List.copyOf(all);
    }
}

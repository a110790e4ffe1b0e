package dev.edgeinfer.jobs.config;

import static dev.edgeinfer.jobs.config.ControllerJobOptions.*;
import static dev.edgeinfer.jobs.config.JobConfigReader.*;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.jobs.controller.RolloutPolicy;

import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rollout controller's validated configuration. {@link #from(Configuration)} fails fast, before
 * the job is built, with an {@link InvalidConfigurationException} naming the offending key: the
 * policy's thresholds must be ordered (the clear side stricter than the trip side) and the key
 * pair must read back as Ed25519 keys.
 *
 * @param keyId the id of the controller's public key: what sites trust its releases by
 */
public record ControllerJobConfig(
        String bootstrapServers,
        String controlTopic,
        String statusTopic,
        int parallelism,
        Duration checkpointInterval,
        String groupId,
        String name,
        Path signingKey,
        String keyId,
        Set<String> models,
        RolloutPolicy policy,
        java.util.Map<String, String> kafkaProperties) {

    /** Reads and validates every option; unknown keys that look like ours are rejected too. */
    public static ControllerJobConfig from(Configuration conf) {
        rejectUnknownKeys(conf, ControllerJobOptions.all());
        Path signingKey = Path.of(required(conf, SIGNING_KEY)).toAbsolutePath();
        Path publicKey = conf.getOptional(PUBLIC_KEY).map(Path::of).orElse(
                signingKey.resolveSibling(signingKey.getFileName().toString().replaceFirst("\\.key$", "") + ".pub"));
        String keyId;
        try {
            ReleaseSigning.readPrivateKey(signingKey);
        } catch (IOException e) {
            throw new InvalidConfigurationException(SIGNING_KEY.key(), e.getMessage(), e);
        }
        try {
            if (!Files.exists(publicKey)) {
                throw new IOException("no public key at " + publicKey + " (set " + PUBLIC_KEY.key() + ")");
            }
            keyId = ReleaseSigning.keyId(ReleaseSigning.readPublicKey(publicKey));
        } catch (IOException e) {
            throw new InvalidConfigurationException(PUBLIC_KEY.key(), e.getMessage(), e);
        }
        Set<String> models = new TreeSet<>();
        Arrays.stream(get(conf, MODELS).split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(models::add);
        double tripErrors = get(conf, MAX_ERROR_RATE);
        inRange(MAX_ERROR_RATE.key(), tripErrors, 1);
        double clearErrors = get(conf, CLEAR_ERROR_RATE);
        atMost(CLEAR_ERROR_RATE.key(), clearErrors, MAX_ERROR_RATE.key(), tripErrors);
        double tripPsi = get(conf, MAX_DRIFT_PSI);
        inRange(MAX_DRIFT_PSI.key(), tripPsi, Double.MAX_VALUE);
        double clearPsi = get(conf, CLEAR_DRIFT_PSI);
        atMost(CLEAR_DRIFT_PSI.key(), clearPsi, MAX_DRIFT_PSI.key(), tripPsi);
        double clearAgreement = get(conf, CLEAR_SHADOW_AGREEMENT);
        inRange(CLEAR_SHADOW_AGREEMENT.key(), clearAgreement, 1);
        double tripAgreement = get(conf, MIN_SHADOW_AGREEMENT);
        atMost(MIN_SHADOW_AGREEMENT.key(), tripAgreement, CLEAR_SHADOW_AGREEMENT.key(), clearAgreement);
        double latencyFraction = get(conf, CLEAR_LATENCY_FRACTION);
        if (!(latencyFraction > 0 && latencyFraction <= 1)) {
            throw new InvalidConfigurationException(CLEAR_LATENCY_FRACTION.key(), "must be in (0, 1], got " + latencyFraction);
        }
        RolloutPolicy policy = new RolloutPolicy(positive(conf, MIN_RECORDS), positiveDuration(conf, WINDOW),
                positiveDuration(conf, PROMOTE_DWELL), tripErrors, clearErrors,
                nonNegativeDuration(conf, LATENCY_BUDGET).toNanos() / 1000, latencyFraction, tripPsi, clearPsi,
                tripAgreement, clearAgreement, positiveDuration(conf, ACTIVATION_LEAD));
        return new ControllerJobConfig(
                JobConfigReader.bootstrapServers(conf),
                topic(conf, KafkaJobOptions.CONTROL_TOPIC),
                topic(conf, KafkaJobOptions.STATUS_TOPIC),
                positive(conf, KafkaJobOptions.PARALLELISM),
                positiveDuration(conf, KafkaJobOptions.CHECKPOINT_INTERVAL),
                required(conf, GROUP_ID),
                required(conf, NAME),
                signingKey,
                keyId,
                Set.copyOf(models),
                policy,
                JobConfigReader.kafkaProperties(conf));
    }

    private static void inRange(String key, double value, double max) {
        if (!(value >= 0 && value <= max)) {
            throw new InvalidConfigurationException(key, "must be in [0, " + max + "], got " + value);
        }
    }

    /** The clear threshold must be on the healthy side of the trip threshold (hysteresis). */
    private static void atMost(String key, double value, String boundKey, double bound) {
        if (!(value >= 0 && value <= bound)) {
            throw new InvalidConfigurationException(key,
                    "must be in [0, " + boundKey + " (" + bound + ")] so that trip and clear thresholds differ, got " + value);
        }
    }
}

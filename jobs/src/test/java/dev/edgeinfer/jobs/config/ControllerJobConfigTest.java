package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.jobs.controller.RolloutPolicy;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.KeyPair;

/** The controller's configuration: defaults, the key pair, and thresholds that must leave room for hysteresis. */
class ControllerJobConfigTest {

    @TempDir Path dir;
    private KeyPair key;
    private Configuration conf;

    @BeforeEach
    void keys() throws Exception {
        key = ReleaseSigning.generateKeyPair();
        ReleaseSigning.writePrivateKey(dir.resolve("controller.key"), key.getPrivate());
        ReleaseSigning.writePublicKey(dir.resolve("controller.pub"), key.getPublic());
        conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, "kafka:9092");
        conf.set(ControllerJobOptions.SIGNING_KEY, dir.resolve("controller.key").toString());
    }

    @Test
    void readsTheDefaultsAndFindsThePublicKeyBesideTheSigningKey() {
        ControllerJobConfig config = ControllerJobConfig.from(conf);

        assertThat(config.policy()).isEqualTo(RolloutPolicy.DEFAULTS);
        assertThat(config.keyId()).isEqualTo(ReleaseSigning.keyId(key.getPublic()));
        assertThat(config.models()).isEmpty();
        assertThat(config.statusTopic()).isEqualTo("edge.models.status");
    }

    @Test
    void refusesAClearThresholdOnTheWrongSideOfItsTripThresholdNamingTheKey() {
        conf.set(ControllerJobOptions.CLEAR_ERROR_RATE, 0.05);

        assertThatThrownBy(() -> ControllerJobConfig.from(conf))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("controller.clear-error-rate")
                .hasMessageContaining("0.05");
    }

    @Test
    void refusesAMissingPublicKeyAndAnUnknownControllerKey() {
        conf.set(ControllerJobOptions.PUBLIC_KEY, dir.resolve("nope.pub").toString());
        assertThatThrownBy(() -> ControllerJobConfig.from(conf))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("controller.public-key");

        Configuration typo = new Configuration(conf);
        typo.removeConfig(ControllerJobOptions.PUBLIC_KEY);
        typo.setString("controller.max-error", "0.1");
        assertThatThrownBy(() -> ControllerJobConfig.from(typo))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("controller.max-error");
    }
}

package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.jobs.config.KafkaJobOptions.DeliveryGuarantee;
import dev.edgeinfer.jobs.config.KafkaJobOptions.StartingOffsets;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

class SensorJobConfigTest {

    private static final byte[] MODEL_BYTES = "not really onnx, but bytes to hash".getBytes(StandardCharsets.UTF_8);

    @TempDir Path dir;

    private Path modelFile;
    private Map<String, String> settings;

    @BeforeEach
    void minimalSettings() throws IOException {
        modelFile = Files.write(dir.resolve("model.onnx"), MODEL_BYTES);
        settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "localhost:9092");
        settings.put("model.version", "v1");
        settings.put("model.path", modelFile.toString());
    }

    private SensorJobConfig load() {
        return SensorJobConfig.from(Configuration.fromMap(settings));
    }

    /** Loads the settings, expecting a failure that names {@code key}; returns it for more checks. */
    private InvalidConfigurationException rejected(String key) {
        InvalidConfigurationException e = catchThrowableOfType(InvalidConfigurationException.class, this::load);
        assertThat(e).as("expected a rejection of '%s'", key).isNotNull();
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.getMessage()).contains("'" + key + "'");
        return e;
    }

    private static String sha256Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A setting: its key, a value to set, how the config reads it, its documented default and what the value reads as. */
    private record Setting(String key, String value, Function<SensorJobConfig, Object> read, Object byDefault, Object whenSet) {}

    private static final List<Setting> SETTINGS = List.of(
            new Setting("edgeinfer.site.id", "plant-7", SensorJobConfig::siteId, "edge-local", "plant-7"),
            new Setting("model.deprecation-policy", "ROLLBACK", SensorJobConfig::deprecationPolicy,
                    dev.edgeinfer.operators.DeprecationPolicy.FLAG, dev.edgeinfer.operators.DeprecationPolicy.ROLLBACK),
            new Setting("edgeinfer.site.labels", "wave=1, region=north", SensorJobConfig::siteLabels,
                    java.util.Map.of(), java.util.Map.of("wave", "1", "region", "north")),
            new Setting("kafka.bootstrap-servers", "k1:9092,k2.example.org:19092", SensorJobConfig::bootstrapServers,
                    "localhost:9092", "k1:9092,k2.example.org:19092"),
            new Setting("kafka.group-id", "g", SensorJobConfig::groupId, "edgeinfer-sensor", "g"),
            new Setting("kafka.starting-offsets", "EARLIEST", SensorJobConfig::startingOffsets,
                    StartingOffsets.COMMITTED, StartingOffsets.EARLIEST),
            new Setting("topic.readings", "r", SensorJobConfig::readingsTopic, "edge.sensor.readings", "r"),
            new Setting("topic.results", "o", SensorJobConfig::resultsTopic, "edge.inference.results", "o"),
            new Setting("topic.deadletter", "d", SensorJobConfig::deadLetterTopic, "edge.inference.deadletter", "d"),
            new Setting("parallelism", "3", SensorJobConfig::parallelism, 2, 3),
            new Setting("sensor.channels", "6", SensorJobConfig::channels, 4, 6),
            new Setting("window.size", "8", SensorJobConfig::windowSize, 16, 8),
            new Setting("window.slide", "8", SensorJobConfig::windowSlide, 4, 8),
            new Setting("anomaly.threshold", "1", SensorJobConfig::anomalyThreshold, 0.5, 1.0),
            new Setting("delivery.guarantee", "EXACTLY_ONCE", SensorJobConfig::deliveryGuarantee,
                    DeliveryGuarantee.AT_LEAST_ONCE, DeliveryGuarantee.EXACTLY_ONCE),
            new Setting("checkpoint.interval", "10 s", SensorJobConfig::checkpointInterval,
                    Duration.ofSeconds(2), Duration.ofSeconds(10)),
            new Setting("exactly-once.transactional-id-prefix", "tx", SensorJobConfig::transactionalIdPrefix,
                    "edgeinfer-sensor", "tx"),
            new Setting("exactly-once.transaction-timeout", "11 s", SensorJobConfig::transactionTimeout,
                    Duration.ofMinutes(5), Duration.ofSeconds(11)),
            new Setting("watermark.max-out-of-orderness", "0 ms", SensorJobConfig::maxOutOfOrderness,
                    Duration.ofSeconds(2), Duration.ZERO),
            new Setting("watermark.idleness", "1 min", SensorJobConfig::watermarkIdleness,
                    Duration.ofSeconds(5), Duration.ofMinutes(1)),
            new Setting("latency.buffer-timeout", "0 ms", SensorJobConfig::bufferTimeout, Duration.ofMillis(2), Duration.ZERO),
            new Setting("record.max-bytes", "100", SensorJobConfig::maxRecordBytes, 64 * 1024, 100),
            new Setting("record.max-future-skew", "30 s", SensorJobConfig::maxFutureSkew,
                    Duration.ofHours(1), Duration.ofSeconds(30)),
            new Setting("model.name", "other", c -> c.model().name(), "sensor-anomaly", "other"));

    @Test
    void minimalConfigurationGetsTheDocumentedDefaults() throws Exception {
        SensorJobConfig c = load();

        for (Setting setting : SETTINGS) {
            assertThat(setting.read().apply(c)).as(setting.key()).isEqualTo(setting.byDefault());
        }
        assertThat(c.model().version()).isEqualTo("v1");
        assertThat(c.modelPath()).isEqualTo(modelFile.toAbsolutePath());
        assertThat(c.onnx()).isEqualTo(new OnnxRunnerOptions(1, 1, "ALL_OPT", 3));
    }

    @Test
    void sha256IsComputedFromTheModelFileWhenUnset() throws Exception {
        assertThat(load().model().sha256()).isEqualTo(sha256Hex(MODEL_BYTES));
    }

    @Test
    void givenSha256IsKeptAsIs() {
        String sha = "ab".repeat(32);
        settings.put("model.sha256", sha);

        assertThat(load().model().sha256()).isEqualTo(sha);
    }

    @Test
    void everySettingIsReadFromItsKey() {
        SETTINGS.forEach(setting -> settings.put(setting.key(), setting.value()));
        settings.put("onnx.intra-op-threads", "2");
        settings.put("onnx.opt-level", "NO_OPT");
        settings.put("kafka.properties.security.protocol", "SSL");

        SensorJobConfig c = load();

        for (Setting setting : SETTINGS) {
            assertThat(setting.read().apply(c)).as(setting.key()).isEqualTo(setting.whenSet());
        }
        assertThat(c.onnx()).isEqualTo(new OnnxRunnerOptions(2, 1, "NO_OPT", 3));
    }

    @Test
    void missingBootstrapServersIsRejected() {
        settings.remove("kafka.bootstrap-servers");

        assertThat(rejected("kafka.bootstrap-servers")).hasMessageContaining("required");
    }

    @ParameterizedTest(name = "bootstrap ''{0}''")
    @CsvSource(delimiter = '|', value = {"localhost", "localhost:", ":9092", "localhost:port", "a:9092,", "a:9092;b:9092", "a:9092, b:9092", "localhost:123456"})
    void malformedBootstrapServersAreRejected(String bootstrap) {
        settings.put("kafka.bootstrap-servers", bootstrap);

        assertThat(rejected("kafka.bootstrap-servers")).hasMessageContaining(bootstrap.trim());
    }

    @Test
    void missingModelVersionIsRejected() {
        settings.remove("model.version");

        rejected("model.version");
    }

    @Test
    void missingModelPathIsRejected() {
        settings.remove("model.path");

        rejected("model.path");
    }

    @Test
    void modelPathThatDoesNotExistIsRejected() {
        Path missing = dir.resolve("nope.onnx");
        settings.put("model.path", missing.toString());

        assertThat(rejected("model.path")).hasMessageContaining("no such file").hasMessageContaining(missing.toString());
    }

    @Test
    void modelPathThatIsADirectoryIsRejected() {
        settings.put("model.path", dir.toString());

        rejected("model.path");
    }

    @Test
    void windowSlideLargerThanWindowSizeIsRejected() {
        settings.put("window.size", "8");
        settings.put("window.slide", "9");

        assertThat(rejected("window.slide")).hasMessageContaining("window.size").hasMessageContaining("got 9");
    }

    @Test
    void windowSizeBelowTwoIsRejected() {
        settings.put("window.size", "1");
        settings.put("window.slide", "1");

        assertThat(rejected("window.size")).hasMessageContaining("at least 2").hasMessageContaining("got 1");
    }

    @ParameterizedTest
    @CsvSource({"1.5", "-0.1", "NaN"})
    void anomalyThresholdOutsideZeroToOneIsRejected(String threshold) {
        settings.put("anomaly.threshold", threshold);

        assertThat(rejected("anomaly.threshold")).hasMessageContaining(threshold);
    }

    @Test
    void negativeBufferTimeoutIsRejected() {
        Configuration conf = Configuration.fromMap(settings);
        conf.set(KafkaJobOptions.BUFFER_TIMEOUT, Duration.ofMillis(-1));

        InvalidConfigurationException e =
                catchThrowableOfType(InvalidConfigurationException.class, () -> SensorJobConfig.from(conf));

        assertThat(e.key()).isEqualTo("latency.buffer-timeout");
        assertThat(e).hasMessageContaining("'latency.buffer-timeout'").hasMessageContaining(">= 0");
    }

    @Test
    void transactionTimeoutEqualToCheckpointIntervalIsRejected() {
        settings.put("checkpoint.interval", "30 s");
        settings.put("exactly-once.transaction-timeout", "30 s");

        assertThat(rejected("exactly-once.transaction-timeout")).hasMessageContaining("checkpoint.interval");
    }

    @Test
    void transactionTimeoutShorterThanCheckpointIntervalIsRejected() {
        settings.put("checkpoint.interval", "1 min");
        settings.put("exactly-once.transaction-timeout", "10 s");

        rejected("exactly-once.transaction-timeout");
    }

    @ParameterizedTest
    @CsvSource({"abc", "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB", "abababababababababababababababababababababababababababababababa"})
    void malformedSha256IsRejected(String sha) {
        settings.put("model.sha256", sha);

        assertThat(rejected("model.sha256")).hasMessageContaining(sha);
    }

    /** A value of one setting that is refused, with what the message must say besides the key (if anything). */
    @ParameterizedTest(name = "{0} = ''{1}''")
    @CsvSource(delimiter = '|', value = {
        "model.version          | '   '     |",
        "window.slide           | 0         |",
        "sensor.channels        | four      | four",
        "latency.buffer-timeout | -5 ms     |",
        "checkpoint.interval    | 0 ms      |",
        "delivery.guarantee     | SOMETIMES | SOMETIMES",
        "kafka.starting-offsets | NEWEST    |",
        "onnx.opt-level         | FAST      | FAST",
        "onnx.intra-op-threads  | 0         | got 0",
        "topic.readings         | edge sensor  | edge sensor",
        "topic.results          | results/v1   | results/v1",
        "topic.deadletter       | dead:letter  | dead:letter",
        "edgeinfer.site.labels  | wave         | wave",
        "model.deprecation-policy | UNDO       | UNDO",
        "edgeinfer.site.labels  | wave=1,wave=2 | given twice"
    })
    void invalidValueIsRejectedNamingItsKey(String key, String value, String message) {
        settings.put(key, value);

        InvalidConfigurationException e = rejected(key);
        if (message != null) {
            assertThat(e).hasMessageContaining(message);
        }
    }

    @Test
    void topicNameLongerThan249CharactersIsRejected() {
        settings.put("topic.results", "t".repeat(250));

        rejected("topic.results");
    }

    @ParameterizedTest
    @CsvSource({"window.sise", "kafka.bootstrap.servers", "model.sha", "onnx.threads", "topic.result"})
    void unknownKeyWithOneOfOurPrefixesIsRejected(String key) {
        settings.put(key, "16");

        assertThat(rejected(key)).hasMessageContaining("unknown setting");
    }

    @Test
    void keysOutsideOurPrefixesAndKafkaPropertiesAreIgnored() {
        settings.put("state.backend.type", "hashmap");
        settings.put("kafka.properties.sasl.mechanism", "PLAIN");

        assertThat(load().windowSize()).isEqualTo(16);
    }

    @Test
    void nonPositiveIntegersAreRejectedWithTheirKey() {
        for (String key : new String[] {"parallelism", "sensor.channels", "record.max-bytes"}) {
            settings.put(key, "0");
            InvalidConfigurationException e = catchThrowableOfType(InvalidConfigurationException.class, this::load);
            assertThat(e).as(key).isNotNull();
            assertThat(e.key()).isEqualTo(key);
            settings.remove(key);
        }
    }

    @Test
    void everyDeclaredOptionHasADescriptionAndAUniqueKey() {
        assertThat(SensorJobOptions.all()).contains(KafkaJobOptions.BOOTSTRAP_SERVERS, KafkaJobOptions.ONNX_OPT_LEVEL);
        assertThat(SensorJobOptions.all()).allSatisfy(o -> assertThat(o.description().toString()).isNotBlank());
        assertThat(SensorJobOptions.all().stream().map(o -> o.key()).distinct().count())
                .isEqualTo(SensorJobOptions.all().size());
    }
}

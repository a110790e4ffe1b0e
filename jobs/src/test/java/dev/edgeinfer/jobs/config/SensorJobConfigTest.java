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
import java.util.Map;

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

    @Test
    void minimalConfigurationGetsTheDocumentedDefaults() throws Exception {
        SensorJobConfig c = load();

        assertThat(c.siteId()).isEqualTo("edge-local");
        assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.groupId()).isEqualTo("edgeinfer-sensor");
        assertThat(c.startingOffsets()).isEqualTo(StartingOffsets.COMMITTED);
        assertThat(c.readingsTopic()).isEqualTo("edge.sensor.readings");
        assertThat(c.resultsTopic()).isEqualTo("edge.inference.results");
        assertThat(c.deadLetterTopic()).isEqualTo("edge.inference.deadletter");
        assertThat(c.parallelism()).isEqualTo(2);
        assertThat(c.channels()).isEqualTo(4);
        assertThat(c.windowSize()).isEqualTo(16);
        assertThat(c.windowSlide()).isEqualTo(4);
        assertThat(c.anomalyThreshold()).isEqualTo(0.5);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.transactionalIdPrefix()).isEqualTo("edgeinfer-sensor");
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.watermarkIdleness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.bufferTimeout()).isEqualTo(Duration.ofMillis(2));
        assertThat(c.maxRecordBytes()).isEqualTo(64 * 1024);
        assertThat(c.maxFutureSkew()).isEqualTo(Duration.ofHours(1));
        assertThat(c.model().name()).isEqualTo("sensor-anomaly");
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
        settings.put("edgeinfer.site.id", "plant-7");
        settings.put("kafka.bootstrap-servers", "k1:9092,k2.example.org:19092");
        settings.put("kafka.group-id", "g");
        settings.put("kafka.starting-offsets", "EARLIEST");
        settings.put("topic.readings", "r");
        settings.put("topic.results", "o");
        settings.put("topic.deadletter", "d");
        settings.put("parallelism", "3");
        settings.put("sensor.channels", "6");
        settings.put("window.size", "8");
        settings.put("window.slide", "8");
        settings.put("anomaly.threshold", "1");
        settings.put("delivery.guarantee", "EXACTLY_ONCE");
        settings.put("checkpoint.interval", "10 s");
        settings.put("exactly-once.transactional-id-prefix", "tx");
        settings.put("exactly-once.transaction-timeout", "11 s");
        settings.put("watermark.max-out-of-orderness", "0 ms");
        settings.put("watermark.idleness", "1 min");
        settings.put("latency.buffer-timeout", "0 ms");
        settings.put("record.max-bytes", "100");
        settings.put("record.max-future-skew", "30 s");
        settings.put("model.name", "other");
        settings.put("onnx.intra-op-threads", "2");
        settings.put("onnx.opt-level", "NO_OPT");
        settings.put("kafka.properties.security.protocol", "SSL");

        SensorJobConfig c = load();

        assertThat(c.siteId()).isEqualTo("plant-7");
        assertThat(c.bootstrapServers()).isEqualTo("k1:9092,k2.example.org:19092");
        assertThat(c.groupId()).isEqualTo("g");
        assertThat(c.startingOffsets()).isEqualTo(StartingOffsets.EARLIEST);
        assertThat(c.readingsTopic()).isEqualTo("r");
        assertThat(c.resultsTopic()).isEqualTo("o");
        assertThat(c.deadLetterTopic()).isEqualTo("d");
        assertThat(c.parallelism()).isEqualTo(3);
        assertThat(c.channels()).isEqualTo(6);
        assertThat(c.windowSize()).isEqualTo(8);
        assertThat(c.windowSlide()).isEqualTo(8);
        assertThat(c.anomalyThreshold()).isEqualTo(1.0);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.transactionalIdPrefix()).isEqualTo("tx");
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofSeconds(11));
        assertThat(c.maxOutOfOrderness()).isZero();
        assertThat(c.watermarkIdleness()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.bufferTimeout()).isZero();
        assertThat(c.maxRecordBytes()).isEqualTo(100);
        assertThat(c.maxFutureSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.model().name()).isEqualTo("other");
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
    void blankModelVersionIsRejected() {
        settings.put("model.version", "   ");

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
    void windowSlideOfZeroIsRejected() {
        settings.put("window.slide", "0");

        rejected("window.slide");
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
    void unparsableNumberIsRejectedWithItsKey() {
        settings.put("sensor.channels", "four");

        assertThat(rejected("sensor.channels")).hasMessageContaining("four");
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
    void negativeBufferTimeoutAsTextIsRejected() {
        settings.put("latency.buffer-timeout", "-5 ms");

        rejected("latency.buffer-timeout");
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

    @Test
    void zeroCheckpointIntervalIsRejected() {
        settings.put("checkpoint.interval", "0 ms");

        rejected("checkpoint.interval");
    }

    @ParameterizedTest
    @CsvSource({"abc", "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB", "abababababababababababababababababababababababababababababababa"})
    void malformedSha256IsRejected(String sha) {
        settings.put("model.sha256", sha);

        assertThat(rejected("model.sha256")).hasMessageContaining(sha);
    }

    @ParameterizedTest
    @CsvSource({"topic.readings, edge sensor", "topic.results, results/v1", "topic.deadletter, dead:letter"})
    void invalidTopicNameIsRejected(String key, String topic) {
        settings.put(key, topic);

        assertThat(rejected(key)).hasMessageContaining(topic);
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
    void unknownDeliveryGuaranteeIsRejected() {
        settings.put("delivery.guarantee", "SOMETIMES");

        assertThat(rejected("delivery.guarantee")).hasMessageContaining("SOMETIMES");
    }

    @Test
    void unknownStartingOffsetsIsRejected() {
        settings.put("kafka.starting-offsets", "NEWEST");

        rejected("kafka.starting-offsets");
    }

    @Test
    void unknownOnnxOptLevelIsRejected() {
        settings.put("onnx.opt-level", "FAST");

        assertThat(rejected("onnx.opt-level")).hasMessageContaining("FAST");
    }

    @Test
    void zeroOnnxIntraOpThreadsIsRejectedUnderItsOwnKey() {
        settings.put("onnx.intra-op-threads", "0");

        assertThat(rejected("onnx.intra-op-threads")).hasMessageContaining("got 0");
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

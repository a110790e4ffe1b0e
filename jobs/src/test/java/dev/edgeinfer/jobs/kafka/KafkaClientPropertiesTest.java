package dev.edgeinfer.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.frames.FrameClassificationJob;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** {@code kafka.properties.*} reach every Kafka source and sink the jobs build (TLS/SASL from the chart). */
class KafkaClientPropertiesTest {

    private static final JsonRecordSerializer<String> SERIALIZER =
            JsonRecordSerializer.of("results", s -> s, s -> s.getBytes(StandardCharsets.UTF_8));

    @TempDir Path dir;

    private Map<String, String> settings;

    @BeforeEach
    void settings() throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), "bytes".getBytes(StandardCharsets.UTF_8));
        settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "localhost:9092");
        settings.put("model.version", "v1");
        settings.put("model.path", model.toString());
        settings.put("kafka.properties.security.protocol", "SASL_SSL");
        settings.put("kafka.properties.sasl.mechanism", "SCRAM-SHA-512");
        settings.put("kafka.properties.ssl.truststore.location", "/etc/kafka/truststore.p12");
    }

    private static void assertSecured(Properties properties) {
        assertThat(properties)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.p12")
                .containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void theConfigurationCarriesThemWithoutThePrefix() {
        SensorJobConfig config = SensorJobConfig.from(Configuration.fromMap(settings));
        assertThat(config.kafkaProperties())
                .containsOnlyKeys("security.protocol", "sasl.mechanism", "ssl.truststore.location");
    }

    @Test
    void sensorJobSourceAndSinksGetThem() throws Exception {
        SensorJobConfig config = SensorJobConfig.from(Configuration.fromMap(settings));
        assertSecured(sourceProperties(SensorAnomalyJob.source(config)));
        assertSecured(sinkProperties(JobKafka.sink(config, SERIALIZER, "results")));
        assertSecured(sinkProperties(JobKafka.statusSink(config)));
        assertThat(JobKafka.clientProperties(config)).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void frameJobSourceAndExactlyOnceSinksGetThem() throws Exception {
        settings.put("delivery.guarantee", "EXACTLY_ONCE");
        FrameJobConfig config = FrameJobConfig.from(Configuration.fromMap(settings));
        assertSecured(sourceProperties(FrameClassificationJob.source(config)));
        Properties sink = sinkProperties(JobKafka.sink(config, SERIALIZER, "results"));
        assertSecured(sink);
        assertThat(sink).containsKey("transaction.timeout.ms");
    }

    @Test
    void theJobsOwnSettingsWinOverThem() throws Exception {
        settings.put("kafka.properties.linger.ms", "50");
        settings.put("kafka.properties.bootstrap.servers", "elsewhere:9092");
        SensorJobConfig config = SensorJobConfig.from(Configuration.fromMap(settings));
        Properties sink = sinkProperties(JobKafka.sink(config, SERIALIZER, "results"));
        assertThat(sink).containsEntry("linger.ms", "0").containsEntry("bootstrap.servers", "localhost:9092");
        assertThat(sourceProperties(SensorAnomalyJob.source(config)))
                .containsEntry("bootstrap.servers", "localhost:9092");
    }

    private static Properties sourceProperties(KafkaSource<?> source) throws Exception {
        return field(KafkaSource.class, source, "props");
    }

    private static Properties sinkProperties(KafkaSink<?> sink) throws Exception {
        return field(KafkaSink.class, sink, "kafkaProducerConfig");
    }

    private static Properties field(Class<?> type, Object target, String name) throws Exception {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return (Properties) field.get(target);
    }
}

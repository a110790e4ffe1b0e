package dev.edgeinfer.jobs.kafka;

import static dev.edgeinfer.testutils.KafkaTestUtils.count;
import static dev.edgeinfer.testutils.KafkaTestUtils.freshTopic;
import static dev.edgeinfer.testutils.KafkaTestUtils.openKafkaClients;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.testutils.TestingWriterInitContext;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.Metadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The job's Kafka sinks fetch their topic's metadata on the writer's own producer when the writer
 * opens: afterwards the producer's metadata cache holds the topic's partitions (without priming
 * it does not), nothing was written, and closing the writer leaves no producer behind.
 */
class PrimedKafkaSinkITCase {

    @TempDir Path dir;

    @Test
    void aPrimedWritersProducerKnowsItsTopicBeforeTheFirstRecordAndWroteNothing() throws Exception {
        int producersBefore = openKafkaClients("producer", "*").size();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            String topic = freshTopic("primed");
            kafka.createTopics(3, topic);
            SinkWriter<String> writer = JobKafka.primedSink(config(kafka), serializer(topic), "results", topic)
                    .createWriter(new TestingWriterInitContext());

            assertThat(partitionsKnownTo(PrimedKafkaSink.producerOf(writer), topic)).isEqualTo(3);
            assertThat(count(kafka.bootstrapServers(), topic, false)).as("records written by priming").isZero();
            writer.close();
        }
        assertThat(openKafkaClients("producer", "*")).as("producers left open").hasSize(producersBefore);
    }

    @Test
    void withoutPrimingTheProducerLearnsItsTopicOnlyWithItsFirstSend() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            String topic = freshTopic("unprimed");
            kafka.createTopics(3, topic);
            SinkWriter<String> writer =
                    PrimedKafkaSink.of(JobKafka.sink(config(kafka), serializer(topic), "results"), topic, Duration.ZERO)
                            .createWriter(new TestingWriterInitContext());

            assertThat(partitionsKnownTo(PrimedKafkaSink.producerOf(writer), topic)).isNull();
            writer.close();
        }
    }

    /** How many partitions of {@code topic} the producer's metadata cache holds (null: none), asking no broker. */
    private static Integer partitionsKnownTo(Producer<?, ?> producer, String topic) throws Exception {
        java.lang.reflect.Field metadata = KafkaProducer.class.getDeclaredField("metadata");
        metadata.setAccessible(true);
        return ((Metadata) metadata.get(producer)).fetch().partitionCountForTopic(topic);
    }

    @Test
    void aWriterWithoutTheConnectorsProducerFieldIsRefusedByName() {
        assertThatThrownBy(() -> PrimedKafkaSink.producerOf(new Object()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(PrimedKafkaSink.PRODUCER_FIELD)
                .hasMessageContaining("flink-connector-kafka");
    }

    private SensorJobConfig config(EmbeddedKafkaBroker kafka) throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), "bytes".getBytes(StandardCharsets.UTF_8));
        return SensorJobConfig.from(Configuration.fromMap(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "model.version", "v1",
                "model.path", model.toString())));
    }

    private static JsonRecordSerializer<String> serializer(String topic) {
        return JsonRecordSerializer.of(topic, s -> s, s -> s.getBytes(StandardCharsets.UTF_8));
    }
}

package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.frames.SyntheticFrames;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Properties;
import java.util.SplittableRandom;

class OptimizeCalibrationTopicITCase {

    @TempDir
    Path dir;

    @Test
    void calibratesOnFramesReadFromAKafkaTopic() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            kafka.createTopics(1, "frames");
            Properties p = new Properties();
            p.putAll(kafka.clientProperties());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            SplittableRandom random = new SplittableRandom(1);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 10; i++) {
                    String label = SyntheticFrames.LABELS.get(i % SyntheticFrames.LABELS.size());
                    byte[] jpeg = SyntheticFrames.jpeg(SyntheticFrames.rgb(label, 80, 60, random), 80, 60, 0.9f);
                    producer.send(SyntheticFrames.record("frames", "cam-1", 1_700_000_000_000L + i, jpeg, 80, 60));
                }
                producer.send(SyntheticFrames.bad(
                        SyntheticFrames.BadFrame.NOT_A_JPEG, "frames", "cam-1", 1L, 80, 60, 1 << 20, random));
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = EdgeInferCli.execute(
                    new PrintWriter(out, true),
                    new PrintWriter(err, true),
                    "optimize",
                    "--example",
                    "mobilenetv2-small",
                    "--calibration-topic",
                    "frames",
                    "--bootstrap",
                    kafka.bootstrapServers(),
                    "--frames",
                    "2",
                    "--prune",
                    "0.5",
                    "--latency-runs",
                    "5",
                    "--repeats",
                    "1",
                    "--out",
                    dir.toString());
            System.out.println(out);
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("10 calibration and 10 held-out inputs", "int8");
        }
    }
}

package dev.edgeinfer.cli;

import dev.edgeinfer.optimize.InputFiles;
import dev.edgeinfer.optimize.OptimizationException;
import dev.edgeinfer.simulation.frames.SyntheticFrames;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.imageio.ImageIO;

/**
 * Calibration frames read from a frame topic (the frame job's input contract: JPEG or raw RGB
 * values with {@code format}, {@code width}, {@code height} headers), from the earliest offset.
 * Records that do not decode are skipped.
 */
final class TopicFrames {

    private TopicFrames() {}

    static InputFiles.Samples read(
            String bootstrap, String topic, int max, Duration timeout, long[] shape, float[] mean, float[] std) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "edgeinfer-optimize-calibration");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<float[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, timeout)
                    .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            if (partitions.isEmpty()) {
                throw new OptimizationException("topic " + topic + " has no partitions (does it exist?)");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < max && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    BufferedImage img = decode(r);
                    if (img != null && out.size() < max) {
                        out.add(InputFiles.fromImage(img, shape, mean, std));
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new OptimizationException("no decodable frames on topic " + topic + " within " + timeout);
        }
        int[] unknown = new int[out.size()];
        java.util.Arrays.fill(unknown, -1);
        return new InputFiles.Samples(out, unknown);
    }

    private static BufferedImage decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            String format = header(r, SyntheticFrames.FORMAT_HEADER);
            if (r.value() == null || r.value().length == 0) {
                return null;
            }
            if ("rgb".equals(format)) {
                int w = Integer.parseInt(header(r, SyntheticFrames.WIDTH_HEADER));
                int h = Integer.parseInt(header(r, SyntheticFrames.HEIGHT_HEADER));
                byte[] v = r.value();
                if ((long) w * h * 3 != v.length) {
                    return null;
                }
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                for (int i = 0; i < w * h; i++) {
                    img.setRGB(
                            i % w, i / w, (v[i * 3] & 0xff) << 16 | (v[i * 3 + 1] & 0xff) << 8 | (v[i * 3 + 2] & 0xff));
                }
                return img;
            }
            return ImageIO.read(new ByteArrayInputStream(r.value()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

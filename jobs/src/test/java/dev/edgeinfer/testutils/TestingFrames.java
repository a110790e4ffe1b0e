package dev.edgeinfer.testutils;

import dev.edgeinfer.simulation.frames.SyntheticFrames;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Synthetic camera frames for the frame job's ITs: {@value #CAMERAS} cameras, frames 33 ms apart
 * from a minute ago, each a JPEG of a randomly drawn label, with the label each should get.
 */
public final class TestingFrames {

    public static final int CAMERAS = 4;
    public static final int FRAMES_PER_CAMERA = 40;
    public static final int WIDTH = 160;
    public static final int HEIGHT = 120;

    /** The first frame's time. */
    public final long base = System.currentTimeMillis() - 60_000;
    public final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    /** The label of every frame added, by {@link #id}. */
    public final Map<String, String> truth = new HashMap<>();
    public final SplittableRandom random;
    private final String topic;

    public TestingFrames(String topic, long seed) {
        this.topic = topic;
        this.random = new SplittableRandom(seed);
    }

    /** The time of frame row {@code FRAMES_PER_CAMERA / 2}: half of every camera's frames come before it. */
    public long middle() {
        return base + (FRAMES_PER_CAMERA / 2) * 33L;
    }

    /** Adds frame {@code i} of every camera, camera {@code c} at {@code base + i * 33 + c}. */
    public void addRow(int i) {
        for (int c = 0; c < CAMERAS; c++) {
            String camera = "cam-" + c;
            long ts = base + i * 33L + c;
            String label = SyntheticFrames.LABELS.get(random.nextInt(SyntheticFrames.LABELS.size()));
            byte[] jpeg = SyntheticFrames.jpeg(SyntheticFrames.rgb(label, WIDTH, HEIGHT, random), WIDTH, HEIGHT, 0.85f);
            records.add(SyntheticFrames.record(topic, camera, ts, jpeg, WIDTH, HEIGHT));
            truth.put(id(camera, ts), label);
        }
    }

    public static String id(String camera, long ts) {
        return camera + "@" + ts;
    }
}

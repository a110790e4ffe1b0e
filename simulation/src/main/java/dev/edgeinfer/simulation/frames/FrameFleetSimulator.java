package dev.edgeinfer.simulation.frames;

import dev.edgeinfer.simulation.FleetSimulator;
import dev.edgeinfer.simulation.frames.SyntheticFrames.BadFrame;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated cameras writing JPEG frames to Kafka at {@code fps} each, open-loop (the clock sets
 * the load, never the previous send, so a slow pipeline shows as latency). Every good frame is a
 * {@link SyntheticFrames} image of a known label; a fraction of records are bad frames, one
 * {@link BadFrame} kind after another. Frame times ({@code ts}) are strictly increasing per
 * camera, so {@code cameraId@ts} names a frame and the simulator remembers its label.
 */
public final class FrameFleetSimulator extends FleetSimulator {

    private final int width;
    private final int height;
    private final double badFraction;
    private final int maxRecordBytes;
    private final SplittableRandom random;
    private final long[] lastTs;
    private final Map<String, String> labels = new ConcurrentHashMap<>();
    private final AtomicLong bad = new AtomicLong();
    private final Map<BadFrame, AtomicLong> badByKind = new EnumMap<>(BadFrame.class);
    private long badRotation;

    /**
     * @param cameras number of cameras ({@code cam-00}, {@code cam-01}, ...)
     * @param fps frames per second per camera
     * @param width frame width
     * @param height frame height
     * @param badFraction share of records that are deliberately bad (0..1)
     * @param maxRecordBytes the job's record limit (oversized bad frames exceed it)
     */
    public FrameFleetSimulator(String bootstrapServers, String topic, int cameras, double fps, int width, int height,
            double badFraction, int maxRecordBytes, long seed) {
        super(bootstrapServers, topic, "edgeinfer-camera-simulator",
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(2 << 20, maxRecordBytes * 2))),
                checked(cameras, fps, width, height, badFraction), fps * cameras);
        this.width = width;
        this.height = height;
        this.badFraction = badFraction;
        this.maxRecordBytes = maxRecordBytes;
        this.random = new SplittableRandom(seed);
        this.lastTs = new long[cameras];
        for (BadFrame kind : BadFrame.values()) {
            badByKind.put(kind, new AtomicLong());
        }
    }

    /** Checks the arguments before the producer is created, so a bad one leaks nothing; returns {@code cameras}. */
    private static int checked(int cameras, double fps, int width, int height, double badFraction) {
        if (cameras < 1 || !(fps > 0) || width < 8 || height < 8) {
            throw new IllegalArgumentException("need cameras >= 1, fps > 0 and frames of at least 8x8");
        }
        if (!(badFraction >= 0 && badFraction < 1)) {
            throw new IllegalArgumentException("bad fraction must be in [0, 1), got " + badFraction);
        }
        return cameras;
    }

    @Override
    protected ProducerRecord<byte[], byte[]> next(int camera) {
        String cameraId = cameraId(camera);
        long ts = Math.max(System.currentTimeMillis(), lastTs[camera] + 1);
        lastTs[camera] = ts;
        if (badFraction > 0 && random.nextDouble() < badFraction) {
            BadFrame kind = BadFrame.values()[(int) (badRotation++ % BadFrame.values().length)];
            badByKind.get(kind).incrementAndGet();
            bad.incrementAndGet();
            return badFrame(kind, cameraId, ts, random);
        }
        String label = SyntheticFrames.LABELS.get(random.nextInt(SyntheticFrames.LABELS.size()));
        labels.put(frameId(cameraId, ts), label);
        return goodFrame(label, cameraId, ts, random);
    }

    private ProducerRecord<byte[], byte[]> badFrame(BadFrame kind, String cameraId, long ts, SplittableRandom r) {
        return SyntheticFrames.bad(kind, topic(), cameraId, ts, width, height, maxRecordBytes, r);
    }

    private ProducerRecord<byte[], byte[]> goodFrame(String label, String cameraId, long ts, SplittableRandom r) {
        byte[] jpeg = SyntheticFrames.jpeg(SyntheticFrames.rgb(label, width, height, r), width, height, 0.85f);
        return SyntheticFrames.record(topic(), cameraId, ts, jpeg, width, height);
    }

    @Override
    protected ProducerRecord<byte[], byte[]> sample(int i) {
        // Its own random stream: the simulation's must draw exactly as without a warm-up.
        SplittableRandom r = new SplittableRandom(i);
        long ts = System.currentTimeMillis();
        if (i % 10 == 9) {
            BadFrame[] kinds = BadFrame.values();
            return badFrame(kinds[(i / 10) % kinds.length], "cam-warmup", ts, r);
        }
        return goodFrame(SyntheticFrames.LABELS.get(i % SyntheticFrames.LABELS.size()), "cam-warmup", ts, r);
    }

    /** JPEG encoding costs ~0.1-1 ms a frame: fewer samples than for cheap records. */
    @Override
    protected int warmUpIterations() {
        return 2_000;
    }

    public static String cameraId(int camera) {
        return String.format("cam-%02d", camera);
    }

    /** How results name a frame: {@code cameraId@ts}. */
    public static String frameId(String cameraId, long ts) {
        return cameraId + "@" + ts;
    }

    /** The label a good frame was drawn as, or {@code null} for a frame never sent. */
    public String label(String cameraId, long ts) {
        return labels.get(frameId(cameraId, ts));
    }

    /** Good frames sent (each must get exactly one result). */
    public long goodFrames() {
        return labels.size();
    }

    public long badInjected() {
        return bad.get();
    }

    public Map<BadFrame, Long> badByKind() {
        Map<BadFrame, Long> out = new EnumMap<>(BadFrame.class);
        badByKind.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

}

package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.TopK;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Synthetic records the frame job's operators warm up on in {@code open()} (see
 * {@code dev.edgeinfer.operators.Warmup}): frames in their wire form — JPEG and raw RGB at the
 * largest size the job accepts (up to 224×224) and a small one, then each kind of malformed frame
 * so the rejection paths are compiled too — a result and a dead letter. All carry the camera id
 * {@value #CAMERA_ID}; none is ever emitted.
 */
public final class FrameWarmup {

    /** The camera id of every synthetic record (the warm-up IT checks none reaches a topic). */
    public static final String CAMERA_ID = "edgeinfer-warm-up";

    /**
     * Decoder calls in a warm-up: a JPEG decode is ~0.1-1 ms (native), so fewer calls than for
     * JSON parsing reach the compiled header checks and pixel copies well inside the time bound.
     */
    public static final int DECODE_ITERATIONS = 2_000;

    private static final String SHA256 = "0".repeat(64);

    private FrameWarmup() {}

    /** Frames as they arrive on the frames topic: valid JPEG and RGB ones, then malformed ones. */
    public static List<RawFrame> frames(int maxWidth, int maxHeight, long nowMillis) {
        int width = Math.min(224, maxWidth);
        int height = Math.min(224, maxHeight);
        int small = Math.min(32, Math.min(maxWidth, maxHeight));
        byte[] jpeg = jpeg(width, height);
        List<RawFrame> frames = new ArrayList<>();
        frames.add(frame(jpeg, "jpeg", nowMillis, width, height));
        frames.add(frame(jpeg(small, small), "jpeg", nowMillis, small, small));
        frames.add(frame(new byte[width * height * 3], "rgb", nowMillis, width, height));
        frames.add(frame(jpeg, "jpeg", nowMillis, width, height));
        frames.add(frame(Arrays.copyOf(jpeg, jpeg.length / 2), "jpeg", nowMillis, width, height)); // truncated
        frames.add(frame(jpeg, "png", nowMillis, width, height));                                  // unknown format
        frames.add(frame(jpeg, "jpeg", nowMillis, width + 1, height));                             // size mismatch
        frames.add(frame(new byte[0], "jpeg", nowMillis, width, height));                          // empty
        frames.add(new RawFrame(record(jpeg), null, ascii("jpeg"), ascii(width), ascii(height)));  // no ts
        return frames;
    }

    /** A classified frame as the results serializer sees it. */
    public static FrameResult result() {
        Frame frame = Frame.solid(CAMERA_ID, 0L, 8, 8, 0, 0, 255);
        TopK top = new TopK(List.of(new TopK.Scored("blue", 0, 0.9f), new TopK.Scored("red", 1, 0.1f)));
        return FrameResult.of(frame, top, new ModelId("warm-up", "warm-up", SHA256), "warm-up");
    }

    /** A dead letter as the dead-letter serializer sees it. */
    public static FrameDeadLetter deadLetter() {
        byte[] bytes = CAMERA_ID.getBytes(StandardCharsets.UTF_8);
        RawFrame raw = new RawFrame(new RawRecord(bytes, bytes, "warm-up", 0, 0, 0), ascii(0), ascii("jpeg"), ascii(1), ascii(1));
        return new FrameDeadLetter(raw, FrameRejectReason.UNDECODABLE, "warm-up");
    }

    private static RawFrame frame(byte[] value, String format, long ts, int width, int height) {
        return new RawFrame(record(value), ascii(ts), ascii(format), ascii(width), ascii(height));
    }

    private static RawRecord record(byte[] value) {
        return new RawRecord(CAMERA_ID.getBytes(StandardCharsets.UTF_8), value, "warm-up", 0, 0, 0);
    }

    private static byte[] ascii(Object value) {
        return String.valueOf(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** A gradient, so the encoder produces real entropy-coded data rather than one flat block. */
    private static byte[] jpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | ((x + y) & 0xff));
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer in this JVM");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

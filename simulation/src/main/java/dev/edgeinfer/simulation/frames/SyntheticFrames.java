package dev.edgeinfer.simulation.frames;


import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Synthetic camera frames whose correct label is known: a dominant colour class ({@code red},
 * {@code green}, {@code blue}, {@code dark}, {@code bright}, as the demo classifier sees them),
 * with per-pixel noise, a brightness gradient and a small patch of another colour, JPEG-encoded
 * with {@code javax.imageio}. Plus one deliberately bad frame record per {@link BadFrame} kind.
 */
public final class SyntheticFrames {

    /** The classes frames are drawn from (the demo classifier's labels, in its output order). */
    /** The frame headers producers write (the frame topic's contract). */
    public static final String TS_HEADER = "ts";
    public static final String FORMAT_HEADER = "format";
    public static final String WIDTH_HEADER = "width";
    public static final String HEIGHT_HEADER = "height";

    public static final List<String> LABELS = List.of("red", "green", "blue", "dark", "bright");

    /** A kind of bad frame record and the reason the job must give for it. */
    public enum BadFrame {
        NOT_A_JPEG("UNDECODABLE"),
        TRUNCATED_JPEG("UNDECODABLE"),
        WRONG_SIZE_HEADER("SIZE_MISMATCH"),
        RGB_WRONG_LENGTH("SIZE_MISMATCH"),
        MISSING_TS("MISSING_HEADER"),
        UNKNOWN_FORMAT("INVALID_HEADER"),
        NON_NUMERIC_WIDTH("INVALID_HEADER"),
        HUGE_DIMENSIONS("DIMENSIONS_OUT_OF_RANGE"),
        ANCIENT_TS("TIMESTAMP_OUT_OF_RANGE"),
        NO_KEY("INVALID_CAMERA_ID"),
        EMPTY("EMPTY_RECORD"),
        OVERSIZED("OVERSIZED_RECORD");

        private final String expected;

        BadFrame(String expected) {
            this.expected = expected;
        }

        /** The reason the frame job must dead-letter it with, as it appears on the dead-letter topic. */
        public String expectedReason() {
            return expected;
        }
    }

    private SyntheticFrames() {}

    /** A {@code width x height} interleaved-RGB frame of class {@code label}. */
    public static byte[] rgb(String label, int width, int height, SplittableRandom random) {
        int[] base = baseColour(label, random);
        int[] patch = baseColour(LABELS.get(random.nextInt(LABELS.size())), random);
        int pw = width / 4;
        int ph = height / 4;
        int px = random.nextInt(width - pw + 1);
        int py = random.nextInt(height - ph + 1);
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean inPatch = x >= px && x < px + pw && y >= py && y < py + ph;
                int[] colour = inPatch ? patch : base;
                int gradient = (x * 16) / width - 8;
                for (int c = 0; c < 3; c++) {
                    int v = colour[c] + gradient + random.nextInt(-12, 13);
                    out[(y * width + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return out;
    }

    private static int[] baseColour(String label, SplittableRandom r) {
        return switch (label) {
            case "red" -> new int[] {r.nextInt(190, 236), r.nextInt(15, 50), r.nextInt(15, 50)};
            case "green" -> new int[] {r.nextInt(15, 50), r.nextInt(190, 236), r.nextInt(15, 50)};
            case "blue" -> new int[] {r.nextInt(15, 50), r.nextInt(15, 50), r.nextInt(190, 236)};
            case "dark" -> new int[] {r.nextInt(10, 40), r.nextInt(10, 40), r.nextInt(10, 40)};
            case "bright" -> new int[] {r.nextInt(225, 246), r.nextInt(225, 246), r.nextInt(225, 246)};
            default -> throw new IllegalArgumentException("unknown label " + label);
        };
    }

    /** JPEG bytes of an interleaved-RGB image (quality 0..1). */
    public static byte[] jpeg(byte[] rgb, int width, int height, float quality) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A good JPEG frame record with its headers. */
    public static ProducerRecord<byte[], byte[]> record(String topic, String cameraId, long ts, byte[] jpeg,
            int width, int height) {
        return record(topic, cameraId, jpeg, headers(ts, "jpeg", width, height));
    }

    /**
     * One bad frame record of {@code kind}, built from a good frame of {@code width x height}
     * ({@code maxRecordBytes}: the job's limit, which OVERSIZED exceeds).
     */
    public static ProducerRecord<byte[], byte[]> bad(BadFrame kind, String topic, String cameraId, long ts,
            int width, int height, int maxRecordBytes, SplittableRandom random) {
        byte[] rgb = rgb(LABELS.get(random.nextInt(LABELS.size())), width, height, random);
        byte[] jpeg = jpeg(rgb, width, height, 0.85f);
        return switch (kind) {
            case NOT_A_JPEG -> {
                byte[] noise = new byte[2048];
                random.nextBytes(noise);
                yield record(topic, cameraId, noise, headers(ts, "jpeg", width, height));
            }
            case TRUNCATED_JPEG -> record(topic, cameraId, Arrays.copyOf(jpeg, jpeg.length * 3 / 5),
                    headers(ts, "jpeg", width, height));
            case WRONG_SIZE_HEADER -> record(topic, cameraId, jpeg, headers(ts, "jpeg", width + 16, height));
            case RGB_WRONG_LENGTH -> record(topic, cameraId, Arrays.copyOf(rgb, rgb.length - 3),
                    headers(ts, "rgb", width, height));
            case MISSING_TS -> {
                RecordHeaders h = headers(ts, "jpeg", width, height);
                h.remove(TS_HEADER);
                yield record(topic, cameraId, jpeg, h);
            }
            case UNKNOWN_FORMAT -> record(topic, cameraId, jpeg, headers(ts, "png", width, height));
            case NON_NUMERIC_WIDTH -> {
                RecordHeaders h = headers(ts, "jpeg", width, height);
                h.remove(WIDTH_HEADER);
                h.add(WIDTH_HEADER, "wide".getBytes(StandardCharsets.UTF_8));
                yield record(topic, cameraId, jpeg, h);
            }
            case HUGE_DIMENSIONS -> record(topic, cameraId, jpeg, headers(ts, "jpeg", 100_000, 100_000));
            case ANCIENT_TS -> record(topic, cameraId, jpeg, headers(42L, "jpeg", width, height));
            case NO_KEY -> record(topic, null, jpeg, headers(ts, "jpeg", width, height));
            case EMPTY -> record(topic, cameraId, new byte[0], headers(ts, "jpeg", width, height));
            case OVERSIZED -> {
                byte[] big = Arrays.copyOf(jpeg, maxRecordBytes + 1024);
                yield record(topic, cameraId, big, headers(ts, "jpeg", width, height));
            }
        };
    }

    /** The frame headers: {@code ts}, {@code format}, {@code width}, {@code height}. */
    public static RecordHeaders headers(long ts, String format, int width, int height) {
        RecordHeaders h = new RecordHeaders();
        h.add(TS_HEADER, Long.toString(ts).getBytes(StandardCharsets.UTF_8));
        h.add(FORMAT_HEADER, format.getBytes(StandardCharsets.UTF_8));
        h.add(WIDTH_HEADER, Integer.toString(width).getBytes(StandardCharsets.UTF_8));
        h.add(HEIGHT_HEADER, Integer.toString(height).getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String cameraId, byte[] value, RecordHeaders headers) {
        return new ProducerRecord<>(topic, null, null,
                cameraId == null ? null : cameraId.getBytes(StandardCharsets.UTF_8), value, headers);
    }
}

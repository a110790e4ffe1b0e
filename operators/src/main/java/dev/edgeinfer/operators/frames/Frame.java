package dev.edgeinfer.operators.frames;

import java.util.Objects;

/**
 * A decoded video frame, ready for pre-processing: 8-bit RGB pixels, row-major and interleaved
 * ({@code rgb[(y * width + x) * 3 + c]}, {@code c} = 0 red, 1 green, 2 blue).
 *
 * @param cameraId the camera (the Kafka key)
 * @param ts the frame's event time (epoch ms, the {@code ts} header)
 * @param sourceTimestamp the Kafka record timestamp (epoch ms); for end-to-end latency
 * @param source where the frame came from, {@code topic/partition/offset}: the frame's input id
 * @param width pixels per row
 * @param height rows
 * @param rgb {@code width * height * 3} bytes
 */
public record Frame(String cameraId, long ts, long sourceTimestamp, String source, int width, int height, byte[] rgb) {

    public Frame {
        Objects.requireNonNull(cameraId, "cameraId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(rgb, "rgb");
        if (width < 1 || height < 1 || (long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(
                    "a " + width + "x" + height + " RGB frame needs " + (long) width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    /** A uniform frame of one colour (tests, warm-up). */
    public static Frame solid(String cameraId, long ts, int width, int height, int red, int green, int blue) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) red;
            rgb[i + 1] = (byte) green;
            rgb[i + 2] = (byte) blue;
        }
        return new Frame(cameraId, ts, ts, "synthetic", width, height, rgb);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f && ts == f.ts && sourceTimestamp == f.sourceTimestamp && width == f.width
                && height == f.height && cameraId.equals(f.cameraId) && source.equals(f.source)
                && java.util.Arrays.equals(rgb, f.rgb);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cameraId, ts, source) * 31 + java.util.Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "Frame{" + cameraId + "@" + ts + " " + width + "x" + height + " from " + source + "}";
    }
}

package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.frames.Frame;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Validates and decodes frame records: headers first (cheap), then the size the JPEG declares
 * (from its header, before any pixel is decoded, so a small file cannot claim a huge image),
 * then the pixels. Every failure is a {@link FrameRejectReason} with a detail; nothing throws.
 *
 * <p>JPEG decoding uses {@code javax.imageio}; warnings (e.g. "premature end of JPEG file" for a
 * truncated frame, which ImageIO would otherwise fill with grey) count as failures. Raw frames
 * ({@code format: rgb}) are {@code width * height * 3} bytes, row-major, interleaved R, G, B.
 *
 * <p>Not thread-safe (one JPEG reader is reused): one instance per subtask.
 */
public final class FrameDecoder {

    /** Frames with {@code ts} before this are rejected (2000-01-01T00:00:00Z). */
    static final long MIN_TS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    static final int MAX_CAMERA_ID_CHARS = 128;

    /** The outcome: a frame, or a rejection with its reason. */
    public record Result(Frame frame, FrameRejectReason rejection, String detail) {
        static Result ok(Frame frame) {
            return new Result(frame, null, null);
        }

        static Result reject(FrameRejectReason reason, String detail) {
            return new Result(null, reason, detail);
        }

        public boolean isValid() {
            return frame != null;
        }
    }

    private final int maxRecordBytes;
    private final int maxWidth;
    private final int maxHeight;
    private final long maxFutureSkewMillis;
    private ImageReader jpegReader;
    private String warning;

    public FrameDecoder(int maxRecordBytes, int maxWidth, int maxHeight, Duration maxFutureSkew) {
        this.maxRecordBytes = maxRecordBytes;
        this.maxWidth = maxWidth;
        this.maxHeight = maxHeight;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    }

    /** Validates and decodes one record (the job's clock decides what is "in the future"). */
    public Result decode(RawFrame raw) {
        return decode(raw, System.currentTimeMillis());
    }

    Result decode(RawFrame raw, long now) {
        RawRecord record = raw.record();
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return Result.reject(FrameRejectReason.EMPTY_RECORD, "record has no value");
        }
        if (value.length > maxRecordBytes) {
            return Result.reject(FrameRejectReason.OVERSIZED_RECORD,
                    "frame has " + value.length + " bytes, more than the maximum " + maxRecordBytes);
        }
        String cameraId = utf8(record.key());
        if (cameraId == null || cameraId.isBlank() || cameraId.length() > MAX_CAMERA_ID_CHARS) {
            return Result.reject(FrameRejectReason.INVALID_CAMERA_ID, record.key() == null
                    ? "record has no key (the cameraId)"
                    : "key must be a UTF-8 cameraId of 1.." + MAX_CAMERA_ID_CHARS + " characters");
        }
        for (String[] header : new String[][] {
                {RawFrame.TS_HEADER, present(raw.ts())}, {RawFrame.FORMAT_HEADER, present(raw.format())},
                {RawFrame.WIDTH_HEADER, present(raw.width())}, {RawFrame.HEIGHT_HEADER, present(raw.height())}}) {
            if (header[1] == null) {
                return Result.reject(FrameRejectReason.MISSING_HEADER, "header '" + header[0] + "' is missing");
            }
        }
        String format = utf8(raw.format());
        format = format == null ? null : format.strip().toLowerCase(Locale.ROOT);
        if (!RawFrame.FORMATS.contains(format)) {
            return Result.reject(FrameRejectReason.INVALID_HEADER,
                    "header 'format' must be one of " + RawFrame.FORMATS + ", got '" + utf8(raw.format()) + "'");
        }
        Long ts = number(raw.ts());
        Long width = number(raw.width());
        Long height = number(raw.height());
        if (ts == null || width == null || height == null) {
            String name = ts == null ? RawFrame.TS_HEADER : width == null ? RawFrame.WIDTH_HEADER : RawFrame.HEIGHT_HEADER;
            byte[] bytes = ts == null ? raw.ts() : width == null ? raw.width() : raw.height();
            return Result.reject(FrameRejectReason.INVALID_HEADER,
                    "header '" + name + "' must be a decimal integer, got '" + utf8(bytes) + "'");
        }
        if (ts < MIN_TS || ts > now + maxFutureSkewMillis) {
            return Result.reject(FrameRejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "ts " + ts + " is before 2000 or more than " + maxFutureSkewMillis + " ms in the future");
        }
        if (width < 1 || width > maxWidth || height < 1 || height > maxHeight) {
            return Result.reject(FrameRejectReason.DIMENSIONS_OUT_OF_RANGE,
                    width + "x" + height + " is outside 1x1.." + maxWidth + "x" + maxHeight);
        }
        int w = width.intValue();
        int h = height.intValue();
        String source = record.topic() + "/" + record.partition() + "/" + record.offset();
        if (format.equals("rgb")) {
            if ((long) w * h * 3 != value.length) {
                return Result.reject(FrameRejectReason.SIZE_MISMATCH, "a " + w + "x" + h + " rgb frame has "
                        + (long) w * h * 3 + " bytes, got " + value.length);
            }
            return Result.ok(new Frame(cameraId, ts, record.timestamp(), source, w, h, value));
        }
        return decodeJpeg(value, cameraId, ts, record.timestamp(), source, w, h);
    }

    private Result decodeJpeg(byte[] value, String cameraId, long ts, long sourceTs, String source, int w, int h) {
        ImageReader reader = jpegReader();
        warning = null;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(value))) {
            reader.setInput(in, true, true);
            int actualW = reader.getWidth(0);
            int actualH = reader.getHeight(0);
            if (actualW != w || actualH != h) {
                return Result.reject(FrameRejectReason.SIZE_MISMATCH,
                        "headers say " + w + "x" + h + ", the JPEG is " + actualW + "x" + actualH);
            }
            BufferedImage image = reader.read(0);
            if (warning != null) {
                return Result.reject(FrameRejectReason.UNDECODABLE, "JPEG decoder: " + warning);
            }
            return Result.ok(new Frame(cameraId, ts, sourceTs, source, w, h, rgb(image)));
        } catch (IOException | RuntimeException e) {
            return Result.reject(FrameRejectReason.UNDECODABLE, "not a decodable JPEG: " + e.getMessage());
        } finally {
            reader.reset();
            reader.addIIOReadWarningListener(warningListener);
        }
    }

    private final IIOReadWarningListener warningListener = (source, message) -> {
        if (warning == null) {
            warning = message;
        }
    };

    private ImageReader jpegReader() {
        if (jpegReader == null) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
            if (!readers.hasNext()) {
                throw new IllegalStateException("this JVM has no JPEG decoder (javax.imageio)");
            }
            jpegReader = readers.next();
            jpegReader.addIIOReadWarningListener(warningListener);
        }
        return jpegReader;
    }

    /** Interleaved RGB bytes of a decoded image. */
    static byte[] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                && image.getRaster().getDataBuffer() instanceof DataBufferByte bytes
                && bytes.getData().length == out.length) {
            byte[] bgr = bytes.getData();
            for (int i = 0; i < out.length; i += 3) {
                out[i] = bgr[i + 2];
                out[i + 1] = bgr[i + 1];
                out[i + 2] = bgr[i];
            }
            return out;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                out[p] = (byte) (row[x] >> 16);
                out[p + 1] = (byte) (row[x] >> 8);
                out[p + 2] = (byte) row[x];
            }
        }
        return out;
    }

    private static String present(byte[] header) {
        return header == null ? null : "";
    }

    private static Long number(byte[] bytes) {
        String text = utf8(bytes);
        if (text == null || text.isBlank() || text.strip().length() > 19) {
            return null;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String utf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Releases the JPEG reader. */
    public void close() {
        if (jpegReader != null) {
            jpegReader.dispose();
            jpegReader = null;
        }
    }
}

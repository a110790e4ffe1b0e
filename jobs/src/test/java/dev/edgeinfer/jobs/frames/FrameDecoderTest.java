package dev.edgeinfer.jobs.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.frames.SyntheticFrames.BadFrame;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;

public class FrameDecoderTest {

    private static final int MAX_BYTES = 256 * 1024;
    private static final long NOW = 1_767_225_600_000L;
    private final FrameDecoder decoder = new FrameDecoder(MAX_BYTES, 1920, 1080, Duration.ofHours(1));

    /** The record as the job's deserializer would see it (partition 3, offset 17). */
    public static RawFrame raw(ProducerRecord<byte[], byte[]> r) {
        return new RawFrame(new RawRecord(r.key(), r.value(), r.topic(), 3, 17, 99L),
                header(r, RawFrame.TS_HEADER), header(r, RawFrame.FORMAT_HEADER),
                header(r, RawFrame.WIDTH_HEADER), header(r, RawFrame.HEIGHT_HEADER));
    }

    private static byte[] header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : h.value();
    }

    @Test
    void decodesAJpegToTheRgbPixelsItEncodes() {
        byte[] rgb = SyntheticFrames.rgb("green", 40, 30, new SplittableRandom(1));
        byte[] jpeg = SyntheticFrames.jpeg(rgb, 40, 30, 1.0f);
        FrameDecoder.Result result = decoder.decode(raw(SyntheticFrames.record("frames", "cam-7", NOW - 5, jpeg, 40, 30)), NOW);
        assertThat(result.isValid()).as("%s %s", result.rejection(), result.detail()).isTrue();
        Frame f = result.frame();
        assertThat(f.cameraId()).isEqualTo("cam-7");
        assertThat(f.ts()).isEqualTo(NOW - 5);
        assertThat(f.sourceTimestamp()).isEqualTo(99L);
        assertThat(f.source()).isEqualTo("frames/3/17");
        assertThat(f.width()).isEqualTo(40);
        assertThat(f.height()).isEqualTo(30);
        // Noisy pixels: within JPEG's loss (chroma subsampling smooths the per-pixel noise) of the original.
        long error = 0;
        for (int i = 0; i < rgb.length; i++) {
            error += Math.abs((rgb[i] & 0xFF) - (f.rgb()[i] & 0xFF));
        }
        assertThat((double) error / rgb.length).isLessThan(10.0);
        // A uniform colour comes back (almost) exactly, in R, G, B order.
        byte[] solid = Frame.solid("c", 1, 16, 16, 200, 30, 90).rgb();
        Frame back = decoder.decode(raw(SyntheticFrames.record("frames", "cam-7", NOW,
                SyntheticFrames.jpeg(solid, 16, 16, 1.0f), 16, 16)), NOW).frame();
        for (int i = 0; i < solid.length; i++) {
            assertThat(Math.abs((solid[i] & 0xFF) - (back.rgb()[i] & 0xFF))).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void rawRgbFramesArePassedThroughUnchanged() {
        byte[] rgb = {1, 2, 3, 4, 5, 6};
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("frames", null, null,
                "cam".getBytes(StandardCharsets.UTF_8), rgb, SyntheticFrames.headers(NOW, "RGB", 2, 1));
        FrameDecoder.Result result = decoder.decode(raw(r), NOW);
        assertThat(result.isValid()).isTrue();
        assertThat(result.frame().rgb()).containsExactly(rgb);
    }

    @ParameterizedTest
    @EnumSource(BadFrame.class)
    void everyBadFrameIsRejectedWithItsReason(BadFrame kind) {
        ProducerRecord<byte[], byte[]> r = SyntheticFrames.bad(kind, "frames", "cam-1", NOW, 64, 48, MAX_BYTES,
                new SplittableRandom(kind.ordinal()));
        FrameDecoder.Result result = decoder.decode(raw(r), NOW);
        assertThat(result.isValid()).isFalse();
        assertThat(result.rejection()).as(result.detail()).isEqualTo(FrameRejectReason.valueOf(kind.expectedReason()));
        assertThat(result.detail()).isNotBlank();
    }

    @Test
    void everyReasonHasAFrame() {
        java.util.EnumSet<FrameRejectReason> covered = java.util.EnumSet.noneOf(FrameRejectReason.class);
        for (BadFrame kind : BadFrame.values()) {
            covered.add(FrameRejectReason.valueOf(kind.expectedReason()));
        }
        assertThat(covered).containsExactlyInAnyOrder(FrameRejectReason.values());
    }

    @Test
    void headerEdgeCases() {
        byte[] jpeg = SyntheticFrames.jpeg(SyntheticFrames.rgb("red", 16, 16, new SplittableRandom(2)), 16, 16, 0.9f);
        RecordHeaders future = SyntheticFrames.headers(NOW + Duration.ofHours(2).toMillis(), "jpeg", 16, 16);
        assertThat(decoder.decode(raw(new ProducerRecord<>("f", null, null, "c".getBytes(), jpeg, future)), NOW).rejection())
                .isEqualTo(FrameRejectReason.TIMESTAMP_OUT_OF_RANGE);
        RecordHeaders zero = SyntheticFrames.headers(NOW, "jpeg", 0, 16);
        assertThat(decoder.decode(raw(new ProducerRecord<>("f", null, null, "c".getBytes(), jpeg, zero)), NOW).rejection())
                .isEqualTo(FrameRejectReason.DIMENSIONS_OUT_OF_RANGE);
        RecordHeaders ok = SyntheticFrames.headers(NOW, "jpeg", 16, 16);
        assertThat(decoder.decode(raw(new ProducerRecord<>("f", null, null, " ".getBytes(), jpeg, ok)), NOW).rejection())
                .isEqualTo(FrameRejectReason.INVALID_CAMERA_ID);
        byte[] png = new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0};
        assertThat(decoder.decode(raw(new ProducerRecord<>("f", null, null, "c".getBytes(), png, ok)), NOW).rejection())
                .isEqualTo(FrameRejectReason.UNDECODABLE);
        // The decoder keeps working after failures.
        assertThat(decoder.decode(raw(new ProducerRecord<>("f", null, null, "c".getBytes(), jpeg, ok)), NOW).isValid()).isTrue();
    }
}

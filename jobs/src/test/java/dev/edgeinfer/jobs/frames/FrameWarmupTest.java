package dev.edgeinfer.jobs.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.operators.frames.Frame;

import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The frame job's warm-up input reaches the decoder's real paths and never leaves the operator. */
class FrameWarmupTest {

    private static final int MAX_BYTES = 1 << 20;

    @Test
    void warmUpFramesDecodeJpegAndRawAndHitEveryKindOfRejectionTheyAimAt() {
        long now = System.currentTimeMillis();
        FrameDecoder decoder = new FrameDecoder(MAX_BYTES, 640, 480, Duration.ofMinutes(5));
        List<RawFrame> frames = FrameWarmup.frames(640, 480, now);

        int valid = 0;
        Set<FrameRejectReason> rejections = EnumSet.noneOf(FrameRejectReason.class);
        for (RawFrame frame : frames) {
            FrameDecoder.Result result = decoder.decode(frame, now);
            if (result.isValid()) {
                valid++;
                assertThat(result.frame().cameraId()).isEqualTo(FrameWarmup.CAMERA_ID);
            } else {
                rejections.add(result.rejection());
            }
        }
        decoder.close();
        assertThat(valid).as("valid JPEG (large, small, again) and raw RGB frames").isEqualTo(4);
        assertThat(rejections).containsExactlyInAnyOrder(FrameRejectReason.UNDECODABLE, FrameRejectReason.INVALID_HEADER,
                FrameRejectReason.SIZE_MISMATCH, FrameRejectReason.EMPTY_RECORD, FrameRejectReason.MISSING_HEADER);
    }

    @Test
    void warmUpSizesFollowTheJobsLimitsSoSmallLimitsAreNotRejectedForSize() {
        long now = System.currentTimeMillis();
        FrameDecoder decoder = new FrameDecoder(MAX_BYTES, 64, 48, Duration.ofMinutes(5));
        assertThat(decoder.decode(FrameWarmup.frames(64, 48, now).get(0), now).isValid()).isTrue();
        decoder.close();
    }

    @Test
    void decodeFramesWarmsUpInOpenAndEmitsAndCountsNothingOfIt() throws Exception {
        DecodeFrames decode = new DecodeFrames(MAX_BYTES, 640, 480, Duration.ofMinutes(5), Duration.ofSeconds(30));
        try (OneInputStreamOperatorTestHarness<RawFrame, Frame> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(decode)) {
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(DecodeFrames.DEAD_LETTERS)).isNullOrEmpty();
            for (FrameRejectReason reason : FrameRejectReason.values()) {
                assertThat(decode.deadLetters().counted(reason)).as(reason.name()).isZero();
            }

            // Real frames after the warm-up go their usual way.
            long now = System.currentTimeMillis();
            harness.processElement(FrameWarmup.frames(640, 480, now).get(0), now);
            harness.processElement(FrameWarmup.frames(640, 480, now).get(7), now);
            assertThat(harness.extractOutputValues()).hasSize(1);
            assertThat(harness.getSideOutput(DecodeFrames.DEAD_LETTERS)).hasSize(1);
            assertThat(decode.deadLetters().counted(FrameRejectReason.EMPTY_RECORD)).isEqualTo(1);
        }
    }

    @Test
    void theSerializersSamplesAreWhatTheSinksWrite() {
        String result = new String(FrameResultJson.toJson(FrameWarmup.result()), StandardCharsets.UTF_8);
        assertThat(result).contains(FrameWarmup.CAMERA_ID).contains("\"blue\"");
        assertThat(new FrameDeadLetterSerializer("dead").serialize(FrameWarmup.deadLetter(), null, 0L).value()).isNotEmpty();
    }
}

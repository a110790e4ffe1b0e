package dev.edgeinfer.jobs.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.frames.Frame;

import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The frame job counts its dead letters by reason where it routes them. */
class DecodeFramesMetricsTest {

    private static RawFrame frame(byte[] value, String ts) {
        byte[] key = "cam-1".getBytes(StandardCharsets.UTF_8);
        return new RawFrame(new RawRecord(key, value, "frames", 0, 0, 99L),
                ts == null ? null : ts.getBytes(StandardCharsets.UTF_8), null, null, null);
    }

    @Test
    void deadLettersAreCountedByReason() throws Exception {
        DecodeFrames decode = new DecodeFrames(1024, 64, 64, Duration.ofHours(1));
        try (OneInputStreamOperatorTestHarness<RawFrame, Frame> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(decode)) {
            harness.processElement(frame(new byte[0], "1"), 1);
            harness.processElement(frame(new byte[2048], "1"), 2);
            harness.processElement(frame(new byte[0], "2"), 3);

            assertThat(decode.deadLetters().counted(FrameRejectReason.EMPTY_RECORD)).isEqualTo(2);
            assertThat(decode.deadLetters().counted(FrameRejectReason.OVERSIZED_RECORD)).isEqualTo(1);
            assertThat(decode.deadLetters().counted(FrameRejectReason.SIZE_MISMATCH)).isZero();
            assertThat(harness.getSideOutput(DecodeFrames.DEAD_LETTERS)).hasSize(3);
        }
    }
}

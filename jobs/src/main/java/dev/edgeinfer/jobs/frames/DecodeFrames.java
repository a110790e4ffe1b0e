package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.DeadLetterMetrics;
import dev.edgeinfer.operators.frames.Frame;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates and decodes raw frames; good ones go downstream, every bad one goes to
 * {@link #DEAD_LETTERS} with its original bytes, headers and reason. Nothing is dropped and
 * nothing throws.
 */
public final class DecodeFrames extends ProcessFunction<RawFrame, Frame> {

    private static final long serialVersionUID = 1L;

    /** Side output of rejected frames. */
    public static final OutputTag<FrameDeadLetter> DEAD_LETTERS = new OutputTag<>("frame-dead-letters") {};

    private final int maxRecordBytes;
    private final int maxWidth;
    private final int maxHeight;
    private final java.time.Duration maxFutureSkew;
    private transient FrameDecoder decoder;
    private transient DeadLetterMetrics<FrameRejectReason> deadLetters;

    public DecodeFrames(int maxRecordBytes, int maxWidth, int maxHeight, java.time.Duration maxFutureSkew) {
        this.maxRecordBytes = maxRecordBytes;
        this.maxWidth = maxWidth;
        this.maxHeight = maxHeight;
        this.maxFutureSkew = maxFutureSkew;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new FrameDecoder(maxRecordBytes, maxWidth, maxHeight, maxFutureSkew);
        deadLetters = new DeadLetterMetrics<>(getRuntimeContext().getMetricGroup(), FrameRejectReason.class);
    }

    /** The dead-letter counters by reason (for tests). */
    DeadLetterMetrics<FrameRejectReason> deadLetters() {
        return deadLetters;
    }

    @Override
    public void processElement(RawFrame raw, Context ctx, Collector<Frame> out) {
        FrameDecoder.Result result = decoder.decode(raw);
        if (result.isValid()) {
            out.collect(result.frame());
        } else {
            deadLetters.count(result.rejection());
            ctx.output(DEAD_LETTERS, new FrameDeadLetter(raw, result.rejection(), result.detail()));
        }
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}

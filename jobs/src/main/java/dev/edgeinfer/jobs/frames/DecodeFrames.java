package dev.edgeinfer.jobs.frames;

import dev.edgeinfer.jobs.kafka.DeadLetterMetrics;
import dev.edgeinfer.operators.Warmup;
import dev.edgeinfer.operators.frames.Frame;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates and decodes raw frames; good ones go downstream, every bad one goes to
 * {@link #DEAD_LETTERS} with its original bytes, headers and reason. Nothing is dropped and
 * nothing throws. In {@code open()} the decoder is warmed up on {@link FrameWarmup#frames} (JPEG
 * and raw, valid and malformed; results discarded, nothing emitted or counted) for at most the
 * warm-up time.
 */
public final class DecodeFrames extends ProcessFunction<RawFrame, Frame> {

    private static final long serialVersionUID = 1L;

    /** Side output of rejected frames. */
    public static final OutputTag<FrameDeadLetter> DEAD_LETTERS = new OutputTag<>("frame-dead-letters") {};

    private final int maxRecordBytes;
    private final int maxWidth;
    private final int maxHeight;
    private final java.time.Duration maxFutureSkew;
    private final java.time.Duration warmup;
    private transient FrameDecoder decoder;
    private transient DeadLetterMetrics<FrameRejectReason> deadLetters;

    /** Decodes within these limits; no warm-up. */
    public DecodeFrames(int maxRecordBytes, int maxWidth, int maxHeight, java.time.Duration maxFutureSkew) {
        this(maxRecordBytes, maxWidth, maxHeight, maxFutureSkew, java.time.Duration.ZERO);
    }

    /** Decodes within these limits, warmed up for at most {@code warmup} in {@code open()} (0: not at all). */
    public DecodeFrames(int maxRecordBytes, int maxWidth, int maxHeight, java.time.Duration maxFutureSkew,
            java.time.Duration warmup) {
        this.maxRecordBytes = maxRecordBytes;
        this.maxWidth = maxWidth;
        this.maxHeight = maxHeight;
        this.maxFutureSkew = java.util.Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        this.warmup = java.util.Objects.requireNonNull(warmup, "warmup");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder = new FrameDecoder(maxRecordBytes, maxWidth, maxHeight, maxFutureSkew);
        deadLetters = new DeadLetterMetrics<>(getRuntimeContext().getMetricGroup(), FrameRejectReason.class);
        if (!warmup.isZero()) {
            long now = System.currentTimeMillis();
            java.util.List<RawFrame> samples = FrameWarmup.frames(maxWidth, maxHeight, now);
            Warmup.run("decode frames", warmup, FrameWarmup.DECODE_ITERATIONS,
                            i -> decoder.decode(samples.get(i % samples.size()), now))
                    .register(getRuntimeContext().getMetricGroup());
        }
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

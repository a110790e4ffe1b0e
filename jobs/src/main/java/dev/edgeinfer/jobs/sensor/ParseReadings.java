package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.kafka.DeadLetter;
import dev.edgeinfer.jobs.kafka.DeadLetterMetrics;
import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.Warmup;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses raw readings; valid ones go downstream, every invalid one goes to {@link #DEAD_LETTERS}
 * with its original bytes and reason. Nothing is dropped and nothing throws. In {@code open()} the
 * parser is warmed up on {@link SensorWarmup#readings} (valid and malformed; results discarded,
 * nothing emitted or counted) for at most the warm-up time.
 */
public final class ParseReadings extends ProcessFunction<RawRecord, SensorReading> {

    private static final long serialVersionUID = 1L;

    /** Side output of rejected records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final SensorReadingParser parser;
    private final Duration warmup;
    private transient DeadLetterMetrics<SensorRejectReason> deadLetters;

    /** Parses with {@code parser}; no warm-up. */
    public ParseReadings(SensorReadingParser parser) {
        this(parser, Duration.ZERO);
    }

    /** Parses with {@code parser}, warmed up for at most {@code warmup} in {@code open()} (0: not at all). */
    public ParseReadings(SensorReadingParser parser, Duration warmup) {
        this.parser = java.util.Objects.requireNonNull(parser, "parser");
        this.warmup = java.util.Objects.requireNonNull(warmup, "warmup");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        deadLetters = new DeadLetterMetrics<>(getRuntimeContext().getMetricGroup(), SensorRejectReason.class);
        long now = System.currentTimeMillis();
        List<byte[]> samples = SensorWarmup.readings(parser.channels(), now);
        Warmup.run("parse readings", warmup, Warmup.CHEAP_ITERATIONS,
                        i -> parser.parse(samples.get(i % samples.size()), now))
                .register(getRuntimeContext().getMetricGroup());
        // Readings are shuffled by device to the windows: their serializer is on the record path too.
        List<SensorReading> valid = new ArrayList<>();
        for (byte[] sample : samples) {
            SensorReadingParser.Result result = parser.parse(sample, now);
            if (result.isValid()) {
                valid.add(result.reading());
            }
        }
        if (!warmup.isZero() && !valid.isEmpty()) {
            Warmup.roundTrip("sensor reading serializer", warmup,
                    getRuntimeContext().createSerializer(TypeInformation.of(SensorReading.class)), valid);
        }
    }

    /** The dead-letter counters by reason (for tests). */
    DeadLetterMetrics<SensorRejectReason> deadLetters() {
        return deadLetters;
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<SensorReading> out) {
        SensorReadingParser.Result result = parser.parse(raw.value(), raw.timestamp());
        if (result.isValid()) {
            out.collect(result.reading());
        } else {
            deadLetters.count(result.rejection());
            ctx.output(DEAD_LETTERS, new DeadLetter(raw, result.rejection(), result.detail()));
        }
    }
}

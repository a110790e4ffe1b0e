package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.jobs.kafka.DeadLetter;
import dev.edgeinfer.jobs.kafka.DeadLetterMetrics;
import dev.edgeinfer.jobs.kafka.RawRecord;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses raw readings; valid ones go downstream, every invalid one goes to {@link #DEAD_LETTERS}
 * with its original bytes and reason. Nothing is dropped and nothing throws.
 */
public final class ParseReadings extends ProcessFunction<RawRecord, SensorReading> {

    private static final long serialVersionUID = 1L;

    /** Side output of rejected records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final SensorReadingParser parser;
    private transient DeadLetterMetrics<SensorRejectReason> deadLetters;

    public ParseReadings(SensorReadingParser parser) {
        this.parser = parser;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetterMetrics<>(getRuntimeContext().getMetricGroup(), SensorRejectReason.class);
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

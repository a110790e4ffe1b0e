package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.kafka.DeadLetterMetrics;
import dev.edgeinfer.jobs.kafka.RawRecord;

import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Dead letters are counted by reason where they are routed. */
class ParseReadingsMetricsTest {

    private static RawRecord raw(String value) {
        return new RawRecord(null, value.getBytes(StandardCharsets.UTF_8), "readings", 0, 0, System.currentTimeMillis());
    }

    @Test
    void deadLettersAreCountedByReason() throws Exception {
        ParseReadings parse = new ParseReadings(new SensorReadingParser(4, 1024, Duration.ofMinutes(5)));
        try (OneInputStreamOperatorTestHarness<RawRecord, SensorReading> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(parse)) {
            harness.processElement(raw("{not json"), 1);
            harness.processElement(raw("{not json either"), 2);
            harness.processElement(raw("[1, 2]"), 3);

            assertThat(parse.deadLetters().counted(SensorRejectReason.MALFORMED_JSON)).isEqualTo(2);
            assertThat(parse.deadLetters().counted(SensorRejectReason.NOT_AN_OBJECT)).isEqualTo(1);
            assertThat(parse.deadLetters().counted(SensorRejectReason.MISSING_FIELD)).isZero();
            assertThat(harness.getSideOutput(ParseReadings.DEAD_LETTERS)).hasSize(3);
        }
    }

    @Test
    void everyReasonIsRegisteredUnderEdgeinferReasonDeadLetters() {
        MetricListener listener = new MetricListener();
        DeadLetterMetrics<SensorRejectReason> metrics =
                new DeadLetterMetrics<>(listener.getMetricGroup(), SensorRejectReason.class);
        metrics.count(SensorRejectReason.WRONG_TYPE);

        for (SensorRejectReason reason : SensorRejectReason.values()) {
            assertThat(listener.getCounter("edgeinfer", "reason", reason.name(), "deadLetters")).as(reason.name())
                    .isPresent();
        }
        assertThat(listener.getCounter("edgeinfer", "reason", "WRONG_TYPE", "deadLetters").orElseThrow().getCount())
                .isOne();
    }
}

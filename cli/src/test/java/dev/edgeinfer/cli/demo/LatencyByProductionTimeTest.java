package dev.edgeinfer.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyByProductionTimeTest {

    @Test
    void aSlowStartShowsInTheFirstSecondsAndNotInTheSteadyState() {
        LatencyByProductionTime latencies = new LatencyByProductionTime();
        long start = 1_000_000;
        for (int i = 0; i < 5_000; i++) {          // first 5 s: 300 ms each
            latencies.record(start + i, 300_000);
        }
        for (int i = 5_000; i < 20_000; i++) {     // then 4 ms each
            latencies.record(start + i, 4_000);
        }

        Histogram first = latencies.producedIn(Long.MIN_VALUE, start + 5_000);
        Histogram steady = latencies.producedIn(start + 5_000, Long.MAX_VALUE);
        Histogram whole = latencies.producedIn(Long.MIN_VALUE, Long.MAX_VALUE);

        assertThat(first.getTotalCount()).isEqualTo(5_000);
        assertThat(steady.getTotalCount()).isEqualTo(15_000);
        assertThat(whole.getTotalCount()).isEqualTo(20_000);
        assertThat(first.getValueAtPercentile(99)).isBetween(299_000L, 301_000L);
        assertThat(steady.getValueAtPercentile(99)).isBetween(3_990L, 4_010L);
        assertThat(whole.getValueAtPercentile(99)).as("the whole run shows the start").isGreaterThan(200_000L);
    }

    @Test
    void keepsEveryRecordBeyondItsInitialCapacityAndClampsHugeLatencies() {
        LatencyByProductionTime latencies = new LatencyByProductionTime();
        for (int i = 0; i < 10_000; i++) {
            latencies.record(i, i == 0 ? Long.MAX_VALUE : 1_000);
        }
        Histogram all = latencies.producedIn(0, 10_000);
        assertThat(all.getTotalCount()).isEqualTo(10_000);
        assertThat(all.getMaxValue()).isGreaterThanOrEqualTo(299_000_000L);
    }
}

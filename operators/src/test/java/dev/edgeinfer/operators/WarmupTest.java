package dev.edgeinfer.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

class WarmupTest {

    @Test
    void runsEveryIterationWhenTheTimeLimitAllows() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Warmup.Result result = Warmup.run("counting", Duration.ofMinutes(1), 1_000, i -> calls.incrementAndGet());
        assertThat(calls).hasValue(1_000);
        assertThat(result.iterations()).isEqualTo(1_000);
        assertThat(result.timedOut()).isFalse();
    }

    @Test
    void stopsAtItsTimeLimitBeforeAllIterationsRan() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Warmup.Result result = Warmup.run("slow", Duration.ofMillis(100), 1_000, i -> {
            calls.incrementAndGet();
            Thread.sleep(20);
        });
        assertThat(result.timedOut()).isTrue();
        assertThat(result.iterations()).isEqualTo(calls.get()).isBetween(1, 999);
        // The limit is checked before each call: it is exceeded by one call at most (20 ms) plus scheduling.
        assertThat(calls.get()).isLessThanOrEqualTo(6 + 1);
    }

    @Test
    void roundTripRunsTheSerializerOnEverySampleAndRefusesToWarmOnNothing() throws Exception {
        var strings = org.apache.flink.api.common.typeutils.base.StringSerializer.INSTANCE;
        Warmup.Result result = Warmup.roundTrip("strings", Duration.ofMinutes(1), strings, java.util.List.of("a", "bc"));
        assertThat(result.iterations()).isEqualTo(Warmup.CHEAP_ITERATIONS);
        assertThat(result.timedOut()).isFalse();
        assertThatThrownBy(() -> Warmup.roundTrip("nothing", Duration.ofSeconds(1), strings, java.util.List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing");
    }

    @Test
    void aZeroLimitSwitchesItOff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Warmup.Result result = Warmup.run("off", Duration.ZERO, 1_000, i -> calls.incrementAndGet());
        assertThat(calls).hasValue(0);
        assertThat(result.iterations()).isZero();
        assertThat(result.timedOut()).isFalse();
    }

    @Test
    void aBodyThatFailsFailsTheWarmUp() {
        assertThatThrownBy(() -> Warmup.run("broken", Duration.ofSeconds(1), 10, i -> {
                    throw new IllegalArgumentException("synthetic record rejected: " + i);
                }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("synthetic record rejected: 0");
    }

    @Test
    void aNegativeLimitIsRefusedWithTheValue() {
        assertThatThrownBy(() -> Warmup.run("bad", Duration.ofMillis(-1), 10, i -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-0.001S");
    }
}

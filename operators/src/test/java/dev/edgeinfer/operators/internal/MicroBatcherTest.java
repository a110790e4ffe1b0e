package dev.edgeinfer.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

class MicroBatcherTest {

    /** One flushed batch as the sink saw it. */
    record Flushed(String version, List<String> records, List<Long> eventTimes) {}

    private final List<Flushed> flushed = new ArrayList<>();
    private final List<Long> timers = new ArrayList<>();
    /** Whether more input waits at the task's input, as the batcher asks it. */
    private boolean inputQueued;

    private MicroBatcher<String, String> batcher(int maxSize, long maxDelayMillis) {
        return new MicroBatcher<>(maxSize, maxDelayMillis, () -> inputQueued, (version, records, eventTimes) -> flushed.add(new Flushed(
                version, List.copyOf(records), Arrays.stream(eventTimes, 0, records.size()).boxed().toList())),
                timers::add);
    }

    @Test
    void withoutADelayEveryRecordIsFlushedAtOnce() throws Exception {
        MicroBatcher<String, String> b = batcher(8, 0);

        b.add("v1", "a", 1, 100);
        b.add("v1", "b", 2, 100);

        assertThat(flushed).containsExactly(
                new Flushed("v1", List.of("a"), List.of(1L)), new Flushed("v1", List.of("b"), List.of(2L)));
        assertThat(timers).as("no timer without a delay").isEmpty();
    }

    @Test
    void withoutADelayABatchTakesTheRecordsAlreadyQueuedAndClosesWhenTheQueueIsEmpty() throws Exception {
        MicroBatcher<String, String> b = batcher(8, 0);

        inputQueued = true; // a backlog waits behind each record
        b.add("v1", "a", 1, 100);
        b.add("v1", "b", 2, 100);
        assertThat(flushed).as("records still queued join the batch").isEmpty();
        inputQueued = false; // the last queued record
        b.add("v1", "c", 3, 100);

        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a", "b", "c"), List.of(1L, 2L, 3L)));
        assertThat(timers).as("one grace deadline, asked for when the batch first stayed open")
                .containsExactly(100 + MicroBatcher.QUEUED_INPUT_GRACE_MILLIS);
    }

    @Test
    void aBatchKeptOpenForQueuedInputClosesAtItsGraceDeadlineIfNoRecordFollows() throws Exception {
        MicroBatcher<String, String> b = batcher(8, 0);
        inputQueued = true; // e.g. only a watermark, or part of a record still being written, is queued

        b.add("v1", "a", 1, 100);
        b.onTimer(100 + MicroBatcher.QUEUED_INPUT_GRACE_MILLIS);

        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a"), List.of(1L)));
        // The next batch gets its own deadline; the old timer does not close it early.
        b.add("v1", "b", 2, 105);
        b.onTimer(100 + MicroBatcher.QUEUED_INPUT_GRACE_MILLIS);
        assertThat(b.size()).isEqualTo(1);
        assertThat(timers).containsExactly(101L, 106L);
    }

    @Test
    void aFullBatchClosesEvenWhileMoreInputIsQueued() throws Exception {
        MicroBatcher<String, String> b = batcher(2, 0);
        inputQueued = true;

        b.add("v1", "a", 1, 100);
        b.add("v1", "b", 2, 100);
        b.add("v2", "c", 3, 100); // another version closes the open batch too
        b.add("v2", "d", 4, 100);

        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a", "b"), List.of(1L, 2L)),
                new Flushed("v2", List.of("c", "d"), List.of(3L, 4L)));
    }

    @Test
    void withADelayTheQueueIsNotAskedAndTheDelayAloneClosesTheBatch() throws Exception {
        MicroBatcher<String, String> b = batcher(8, 50);
        inputQueued = false;

        b.add("v1", "a", 1, 100);

        assertThat(flushed).as("an empty queue does not close a batch that may wait").isEmpty();
        assertThat(timers).containsExactly(150L);
    }

    @Test
    void aBatchClosesWhenFullKeepingArrivalOrderAndEventTimes() throws Exception {
        MicroBatcher<String, String> b = batcher(3, 50);

        b.add("v1", "a", 30, 100);
        b.add("v1", "b", 10, 101);
        assertThat(flushed).isEmpty();
        b.add("v1", "c", 20, 102);

        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a", "b", "c"), List.of(30L, 10L, 20L)));
        assertThat(b.size()).isZero();
    }

    @Test
    void aBatchAsksForATimerWhenItOpensAndClosesWhenItFires() throws Exception {
        MicroBatcher<String, String> b = batcher(10, 50);

        b.add("v1", "a", 1, 100);
        b.add("v1", "b", 2, 120);

        assertThat(timers).containsExactly(150L);
        b.onTimer(150);
        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a", "b"), List.of(1L, 2L)));
    }

    @Test
    void aTimerOfAnEarlierBatchDoesNotCloseALaterOne() throws Exception {
        MicroBatcher<String, String> b = batcher(2, 50);
        b.add("v1", "a", 1, 100);
        b.add("v1", "b", 2, 110); // full: flushed; its timer (150) is still registered
        b.add("v1", "c", 3, 140);

        b.onTimer(150);

        assertThat(flushed).hasSize(1);
        assertThat(b.size()).isEqualTo(1);
        b.onTimer(190);
        assertThat(flushed).hasSize(2);
    }

    @Test
    void aRecordOfAnotherVersionFlushesTheOpenBatchFirstSoBatchesNeverMixVersions() throws Exception {
        MicroBatcher<String, String> b = batcher(10, 50);

        b.add("v1", "a", 1, 100);
        b.add("v2", "b", 2, 101);
        b.add("v2", "c", 3, 102);
        b.flush();

        assertThat(flushed).containsExactly(
                new Flushed("v1", List.of("a"), List.of(1L)), new Flushed("v2", List.of("b", "c"), List.of(2L, 3L)));
    }

    @Test
    void flushOnDemandEmptiesTheOpenBatchAndDoesNothingWhenThereIsNone() throws Exception {
        MicroBatcher<String, String> b = batcher(10, 50);

        b.flush();
        b.add("v1", "a", 1, 100);
        b.flush();
        b.flush();

        assertThat(flushed).containsExactly(new Flushed("v1", List.of("a"), List.of(1L)));
    }

    @Test
    void settingsThatCannotBatchAreRefusedWithTheValues() {
        assertThatThrownBy(() -> batcher(0, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 and 5");
        assertThatThrownBy(() -> batcher(1, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 and -1");
    }
}

package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Collects records of one model version into a micro-batch and hands it to a {@link Sink} when
 * it is full, when {@code maxDelayMillis} passed since its first record, before a record of
 * another version, or on demand ({@link #flush()}). With {@code maxDelayMillis} 0 it never waits
 * for records that have not arrived, but a batch still takes the records already queued at the
 * task's input ({@code inputQueued}): at saturation, with a backlog waiting, batches fill; with
 * an empty queue every record is scored at once.
 *
 * <pre>{@code
 * MicroBatcher<SensorWindow, Staged> batcher =
 *         new MicroBatcher<>(32, 0, QueuedInput.of(task), sink, due -> timers.registerTimer(due, ...));
 * batcher.add(model, window, window.endTs(), now);   // may flush
 * batcher.onTimer(due);                                // flushes if that batch is still due
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A batch never mixes versions (versions are compared by
 * identity) and keeps arrival order. A batch kept open for queued input closes, at the latest,
 * {@value #QUEUED_INPUT_GRACE_MILLIS} ms after it opened, even if what was queued was no record
 * (a watermark, a part of a record still being written): the queue is a hint, never a wait. The
 * batcher only asks for a timer ({@code schedule}) when a batch gets a deadline; the caller must
 * call {@link #onTimer} when it fires. Not thread-safe: the task thread owns it.
 *
 * @param <IN> records batched
 * @param <M> the model version a batch belongs to
 */
@Internal
final class MicroBatcher<IN, M> {

    /** Receives each closed batch; the lists are reused after the call returns. */
    @FunctionalInterface
    interface Sink<IN, M> {
        void flush(M model, List<IN> records, long[] eventTimes) throws Exception;
    }

    /** Longest a batch stays open for input that was queued when a record joined it. */
    static final long QUEUED_INPUT_GRACE_MILLIS = 1;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final int maxSize;
    private final long maxDelayMillis;
    private final BooleanSupplier inputQueued;
    private final Sink<IN, M> sink;
    private final LongConsumer schedule;
    private final List<IN> records;
    private final long[] eventTimes;
    private M model;
    private long openedAt;
    private long closeBy = NO_DEADLINE;

    /**
     * @param inputQueued whether more input waits at the task's input now (asked with
     *     {@code maxDelayMillis} 0 only); {@code () -> false} scores every record at once
     * @param schedule asked for a processing-time timer at the given time when a batch gets a
     *     deadline: {@code maxDelayMillis} after it opened, or the grace for queued input
     */
    MicroBatcher(int maxSize, long maxDelayMillis, BooleanSupplier inputQueued, Sink<IN, M> sink, LongConsumer schedule) {
        if (maxSize < 1 || maxDelayMillis < 0) {
            throw new IllegalArgumentException(
                    "batching needs maxSize >= 1 and maxDelayMillis >= 0, got " + maxSize + " and " + maxDelayMillis);
        }
        this.maxSize = maxSize;
        this.maxDelayMillis = maxDelayMillis;
        this.inputQueued = inputQueued;
        this.sink = sink;
        this.schedule = schedule;
        this.records = new ArrayList<>(maxSize);
        this.eventTimes = new long[maxSize];
    }

    /** Adds a record scored by {@code version}, flushing first if the open batch has another version. */
    void add(M version, IN record, long eventTime, long now) throws Exception {
        if (model != null && model != version) {
            flush();
        }
        if (records.isEmpty()) {
            model = version;
            openedAt = now;
            if (maxDelayMillis > 0) {
                deadline(openedAt + maxDelayMillis);
            }
        }
        records.add(record);
        eventTimes[records.size() - 1] = eventTime;
        if (records.size() >= maxSize) {
            flush();
        } else if (maxDelayMillis == 0) {
            if (!inputQueued.getAsBoolean()) {
                flush();
            } else if (closeBy == NO_DEADLINE) {
                deadline(openedAt + QUEUED_INPUT_GRACE_MILLIS);
            }
        }
    }

    private void deadline(long due) {
        closeBy = due;
        schedule.accept(due);
    }

    /** A timer asked for at {@code due} fired: flushes the open batch if its deadline has come. */
    void onTimer(long due) throws Exception {
        if (!records.isEmpty() && closeBy <= due) {
            flush();
        }
    }

    /** Hands the open batch, if any, to the sink. */
    void flush() throws Exception {
        if (records.isEmpty()) {
            return;
        }
        sink.flush(model, Collections.unmodifiableList(records), eventTimes);
        records.clear();
        model = null;
        closeBy = NO_DEADLINE;
    }

    int size() {
        return records.size();
    }
}

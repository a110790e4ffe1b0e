package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Collects records of one model version into a micro-batch and hands it to a {@link Sink} when
 * it is full, when {@code maxDelayMillis} passed since its first record, before a record of
 * another version, or on demand ({@link #flush()}).
 *
 * <pre>{@code
 * MicroBatcher<SensorWindow, Staged> batcher = new MicroBatcher<>(32, 5, sink, due -> timers.registerTimer(due, ...));
 * batcher.add(model, window, window.endTs(), now);   // may flush
 * batcher.onTimer(due);                                // flushes if that batch is still open
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A batch never mixes versions (versions are compared by
 * identity) and keeps arrival order. With {@code maxDelayMillis} 0 every record is flushed at
 * once. The batcher only asks for a timer ({@code schedule}) when a batch opens; the caller must
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

    private final int maxSize;
    private final long maxDelayMillis;
    private final Sink<IN, M> sink;
    private final LongConsumer schedule;
    private final List<IN> records;
    private final long[] eventTimes;
    private M model;
    private long openedAt;

    /**
     * @param schedule asked for a processing-time timer at the given time when a batch opens
     *     (only if {@code maxDelayMillis > 0})
     */
    MicroBatcher(int maxSize, long maxDelayMillis, Sink<IN, M> sink, LongConsumer schedule) {
        if (maxSize < 1 || maxDelayMillis < 0) {
            throw new IllegalArgumentException(
                    "batching needs maxSize >= 1 and maxDelayMillis >= 0, got " + maxSize + " and " + maxDelayMillis);
        }
        this.maxSize = maxSize;
        this.maxDelayMillis = maxDelayMillis;
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
                schedule.accept(openedAt + maxDelayMillis);
            }
        }
        records.add(record);
        eventTimes[records.size() - 1] = eventTime;
        if (records.size() >= maxSize || maxDelayMillis == 0) {
            flush();
        }
    }

    /** A timer asked for at {@code due} fired: flushes the open batch if it is at least that old. */
    void onTimer(long due) throws Exception {
        if (!records.isEmpty() && openedAt + maxDelayMillis <= due) {
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
    }

    int size() {
        return records.size();
    }
}

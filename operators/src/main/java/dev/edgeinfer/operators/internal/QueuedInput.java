package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.io.network.partition.consumer.IndexedInputGate;
import org.apache.flink.streaming.runtime.tasks.StreamTask;

import java.util.function.BooleanSupplier;

/**
 * Whether more input waits at this task's input right now: any of its input gates has a buffer
 * ready to read (the gate is available, as the task's own input loop sees it). The micro-batcher
 * asks it to fill batches from a backlog without ever waiting for records that have not arrived.
 *
 * <pre>{@code
 * BooleanSupplier queued = QueuedInput.of(getContainingTask());   // in open(), on the task thread
 * if (!queued.getAsBoolean()) { batcher.flush(); }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A hint, read without locks: a buffer may hold a watermark or
 * only part of a record, and the broadcast control input counts too, so callers bound how long
 * they act on it ({@link MicroBatcher} closes such a batch after a millisecond). Records already
 * taken from a buffer that is being read are not counted. Without input gates (operator test
 * harnesses) it always answers false: every record is scored at once, as before batching.
 */
@Internal
final class QueuedInput implements BooleanSupplier {

    private static final BooleanSupplier NEVER = () -> false;

    private final IndexedInputGate[] gates;

    private QueuedInput(IndexedInputGate[] gates) {
        this.gates = gates;
    }

    /** The queue of {@code task}'s input gates, or a supplier that always says false where there are none. */
    static BooleanSupplier of(StreamTask<?, ?> task) {
        IndexedInputGate[] gates = task == null ? null : task.getEnvironment().getAllInputGates();
        return gates == null || gates.length == 0 ? NEVER : new QueuedInput(gates);
    }

    @Override
    public boolean getAsBoolean() {
        for (IndexedInputGate gate : gates) {
            // Available: a buffer is ready to read now. Not the queued-buffer count, which also
            // counts the upstream's buffer still being written (not yet flushed): with that, a
            // lone record waited for the grace deadline every time.
            if (gate.isAvailable()) {
                return true;
            }
        }
        return false;
    }
}

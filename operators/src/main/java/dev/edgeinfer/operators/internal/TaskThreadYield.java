package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.runtime.tasks.StreamTask;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;

/**
 * Lets the task thread run its other mails (processing-time timers: heartbeats, status reports,
 * micro-batch flushes) while a record waits for the version it needs to finish staging, so a
 * slow load never silences a subtask.
 *
 * <pre>{@code
 * TaskThreadYield yield = TaskThreadYield.of(getContainingTask());
 * stager.await(model, yield::tryYield);      // housekeeping asks yield.isYielding() to stay light
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Only mails run while yielding, never input: no record,
 * control message or watermark overtakes the waiting record, so versions and watermarks stay
 * in order. Code run from a mail must not re-enter the wait ({@link #isYielding()} says when not
 * to). Without a mailbox, or off the task thread (test harnesses), it yields nothing and the
 * wait simply blocks.
 */
@Internal
final class TaskThreadYield {

    private final MailboxExecutor mailbox;
    /** The mailbox's thread: the one that opened the operator; only it may run mails. */
    private final Thread taskThread = Thread.currentThread();
    private int depth;

    /** Yields to {@code mailbox} (null: never); call it on the mailbox's thread. */
    TaskThreadYield(MailboxExecutor mailbox) {
        this.mailbox = mailbox;
    }

    /** The yield of {@code task}'s mailbox (all priorities), or one that never yields; call it on the task thread. */
    static TaskThreadYield of(StreamTask<?, ?> task) {
        MailboxExecutor mailbox = null;
        try {
            mailbox = task == null ? null : task.getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        } catch (RuntimeException noMailbox) {
            // a harness without a mailbox: waits block, as they did before
        }
        return new TaskThreadYield(mailbox);
    }

    /** Runs one waiting mail, if any; true if it ran one. */
    boolean tryYield() {
        if (mailbox == null || Thread.currentThread() != taskThread) {
            return false; // a harness driving the operator from another thread: just wait
        }
        depth++;
        try {
            return mailbox.tryYield();
        } finally {
            depth--;
        }
    }

    /** Whether a mail is running inside a wait (then: report, but do not score or reject). */
    boolean isYielding() {
        return depth > 0;
    }
}

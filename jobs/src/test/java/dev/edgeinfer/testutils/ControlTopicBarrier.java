package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import java.time.Duration;
import java.util.List;

/**
 * Waits until every inference subtask has processed everything published on the control topic
 * so far, so that a test can produce data knowing the whole timeline is in place (the normal
 * case in production, where releases are published a lead time ahead of the data).
 *
 * <p>How: it publishes one release of a model the job does not serve; every subtask reports it
 * as {@code REJECTED/NOT_SERVED} when it processes it. The control topic has one partition read
 * by one source subtask, and each subtask receives the broadcast control stream over one FIFO
 * channel, so a subtask that reported the barrier has processed every release published before
 * it. (Publishing releases before starting the job is not enough: the operator has no order
 * between its data and control inputs, so data read from a backlog can overtake releases.)
 */
public final class ControlTopicBarrier {

    /** The model name of barrier releases; no job serves it. */
    public static final String BARRIER_MODEL = "it-control-barrier";

    private ControlTopicBarrier() {}

    /** Publishes a barrier and waits until subtasks {@code 0 .. parallelism-1} report it. */
    public static void publishAndAwait(
            ControlTopic control, String bootstrap, String statusTopic, int parallelism, Duration timeout)
            throws Exception {
        ModelRelease barrier = ReleaseFactory.fromFile(BARRIER_MODEL, "barrier-" + System.nanoTime(),
                TestingModels.v1().file(), 0L, 100, "it-barrier", System.currentTimeMillis());
        control.publish(barrier);
        List<ModelStatus> statuses = JobOutputs.statusesUntil(bootstrap, statusTopic,
                s -> JobOutputs.fromEverySubtask(s, parallelism, st -> isReportOf(st, barrier)), timeout);
        if (!JobOutputs.fromEverySubtask(statuses, parallelism, st -> isReportOf(st, barrier))) {
            throw new AssertionError("not every one of " + parallelism + " subtasks processed the control topic within "
                    + timeout + "; status reports: " + statuses);
        }
    }

    private static boolean isReportOf(ModelStatus status, ModelRelease barrier) {
        return status.state() == ModelStatus.State.REJECTED
                && "NOT_SERVED".equals(status.reason())
                && barrier.releaseId().equals(status.releaseId());
    }
}

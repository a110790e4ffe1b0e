package dev.edgeinfer.jobs.kafka;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumMap;

/**
 * Dead letters counted by reason: counter {@code deadLetters} in group {@code edgeinfer}, then
 * key-value group {@code reason=<REASON>}, one per reason of the job's reason enum, registered
 * when the function opens (every reason reads 0 until it occurs). With Flink's Prometheus
 * reporter: {@code flink_taskmanager_job_task_operator_edgeinfer_reason_deadLetters{reason="MALFORMED_JSON",...}}.
 *
 * @param <R> the job's reasons
 */
public final class DeadLetterMetrics<R extends Enum<R> & DeadLetterReason> {

    private final EnumMap<R, Counter> byReason;

    public DeadLetterMetrics(MetricGroup operatorGroup, Class<R> reasons) {
        byReason = new EnumMap<>(reasons);
        MetricGroup edgeinfer = operatorGroup.addGroup("edgeinfer");
        for (R reason : reasons.getEnumConstants()) {
            byReason.put(reason, edgeinfer.addGroup("reason", reason.name()).counter("deadLetters"));
        }
    }

    /** Counts one dead letter for {@code reason}. */
    public void count(R reason) {
        byReason.get(reason).inc();
    }

    /** Dead letters counted for {@code reason} so far. */
    public long counted(R reason) {
        return byReason.get(reason).getCount();
    }
}

package dev.edgeinfer.testutils;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.flink.util.function.ThrowingRunnable;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A sink writer's context outside a Flink task, for tests that open a real sink writer (a Kafka
 * sink's, say) by hand: subtask 0 of 1, unregistered metrics, mails run at once on the caller's
 * thread, and processing-time timers that never fire.
 */
public final class TestingWriterInitContext implements WriterInitContext {

    private final SinkWriterMetricGroup metrics = UnregisteredMetricsGroup.createSinkWriterMetricGroup();

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
        return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
    }

    @Override
    public MailboxExecutor getMailboxExecutor() {
        return new MailboxExecutor() {
            @Override
            public void execute(MailOptions options, ThrowingRunnable<? extends Exception> command, String description,
                    Object... args) {
                try {
                    command.run();
                } catch (Exception e) {
                    throw new IllegalStateException("mail '" + description + "' failed", e);
                }
            }

            @Override
            public void yield() {}

            @Override
            public boolean tryYield() {
                return false;
            }

            @Override
            public boolean shouldInterrupt() {
                return false;
            }
        };
    }

    @Override
    public ProcessingTimeService getProcessingTimeService() {
        return new ProcessingTimeService() {
            @Override
            public long getCurrentProcessingTime() {
                return System.currentTimeMillis();
            }

            @Override
            public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
                return new NeverFiring();
            }
        };
    }

    @Override
    public SinkWriterMetricGroup metricGroup() {
        return metrics;
    }

    @Override
    public SerializationSchema.InitializationContext asSerializationSchemaInitializationContext() {
        return new SerializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return TestingWriterInitContext.this.getUserCodeClassLoader();
            }
        };
    }

    @Override
    public boolean isObjectReuseEnabled() {
        return false;
    }

    @Override
    public <IN> TypeSerializer<IN> createInputSerializer() {
        throw new UnsupportedOperationException("no input serializer outside a task");
    }

    @Override
    public OptionalLong getRestoredCheckpointId() {
        return OptionalLong.empty();
    }

    @Override
    public JobInfo getJobInfo() {
        return new JobInfoImpl(new JobID(), "testing-job");
    }

    @Override
    public TaskInfo getTaskInfo() {
        return new TaskInfoImpl("testing-sink", 1, 0, 1, 0);
    }

    /** A timer that never fires. */
    private static final class NeverFiring extends CompletableFuture<Object> implements ScheduledFuture<Object> {
        @Override
        public long getDelay(TimeUnit unit) {
            return Long.MAX_VALUE;
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}

package dev.edgeinfer.cli;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A local Flink MiniCluster for the commands that run a job in-process ({@code run}, {@code demo},
 * {@code bench}): its settings and the checks on the job running in it.
 */
public final class LocalCluster {

    private LocalCluster() {}

    /** MiniCluster settings for local runs: one slot per subtask, small managed memory. */
    public static Configuration config(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(64));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(64));
        // The web UI takes the first free port from 8081: a second local run on the same machine
        // (another demo, a bench, several jobs of one demo) must not fail to start over it.
        conf.set(RestOptions.BIND_PORT, "8081-8180");
        return conf;
    }

    /**
     * Starts a job on a fresh local MiniCluster of {@code parallelism} slots: {@code graph} adds
     * the job to the environment; returns once every task of the job runs, i.e. has opened its
     * operators (warm-ups included) and takes input, as a readiness probe would see it, and (when
     * the job checkpoints) has completed its first checkpoint. The cluster shuts down when the job ends.
     */
    public static JobClient startJob(int parallelism, Consumer<StreamExecutionEnvironment> graph, String jobName)
            throws Exception {
        Configuration conf = config(parallelism);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        graph.accept(env);
        StreamGraph plan = env.getStreamGraph();
        plan.setJobName(jobName);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(parallelism)
                .build());
        cluster.start();
        JobClient job;
        try {
            JobID id = cluster.submitJob(plan).get(60, TimeUnit.SECONDS).getJobID();
            job = new MiniClusterJobClient(id, cluster, Thread.currentThread().getContextClassLoader(),
                    MiniClusterJobClient.JobFinalizationBehavior.SHUTDOWN_CLUSTER);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        waitUntilRunning(job);
        waitUntilTasksRun(cluster, job);
        if (plan.getCheckpointConfig().isCheckpointingEnabled()) {
            // The first checkpoint of a fresh job is cold (measured: 226 ms against 25 ms for the
            // next ones, the tasks' snapshot path stalling records meanwhile): it belongs to start-up,
            // like the operators' warm-ups, not to the first records.
            cluster.triggerCheckpoint(job.getJobID()).get(60, TimeUnit.SECONDS);
        }
        return job;
    }

    /**
     * Starts a local MiniCluster of one TaskManager with {@code slots} slots, for several jobs
     * ({@link #submit}); the caller closes it. Its REST endpoint takes a free port, so it starts
     * beside anything else on 8081.
     */
    public static MiniCluster startCluster(int slots) throws Exception {
        Configuration conf = config(slots);
        conf.set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        return cluster;
    }

    /**
     * Submits a job to {@code cluster} (which outlives it) and returns once every task runs, as
     * {@link #startJob} does.
     */
    public static JobClient submit(MiniCluster cluster, int parallelism, Consumer<StreamExecutionEnvironment> graph,
            String jobName) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config(parallelism));
        graph.accept(env);
        StreamGraph plan = env.getStreamGraph();
        plan.setJobName(jobName);
        JobID id = cluster.submitJob(plan).get(60, TimeUnit.SECONDS).getJobID();
        JobClient job = new MiniClusterJobClient(id, cluster, Thread.currentThread().getContextClassLoader(),
                MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
        waitUntilRunning(job);
        waitUntilTasksRun(cluster, job);
        return job;
    }

    /** Waits up to 60 s for every task of {@code job} to run; fails with the job's own error if it ended first. */
    private static void waitUntilTasksRun(MiniCluster cluster, JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            AccessExecutionGraph graph = cluster.getExecutionGraph(job.getJobID()).get(10, TimeUnit.SECONDS);
            boolean allRunning = true;
            for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
                allRunning &= task.getExecutionState() == ExecutionState.RUNNING;
            }
            if (allRunning) {
                return;
            }
            failIfJobDied(job);
            Thread.sleep(20);
        }
        throw new IllegalStateException("the job's tasks did not all reach RUNNING within 60 s");
    }

    /** Waits up to 60 s for {@code job} to run; fails with the job's own error if it ended first. */
    public static void waitUntilRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            if (status == JobStatus.RUNNING) {
                return;
            }
            if (status.isGloballyTerminalState()) {
                job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
                throw new IllegalStateException("the job ended before it ran: " + status);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job did not reach RUNNING within 60 s");
    }

    /** Fails (with the job's own error, if it has one) when {@code job} has stopped. */
    public static void failIfJobDied(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the Flink job stopped unexpectedly: " + status);
        }
    }

    /** Cancels {@code job} if it still runs; best effort, since the MiniCluster goes away with the JVM anyway. */
    public static void cancelQuietly(JobClient job) {
        try {
            if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // Nothing to do: the job is gone or the cluster is shutting down.
        }
    }
}

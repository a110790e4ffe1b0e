package dev.edgeinfer.cluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Submits a job jar to a session cluster over REST as {@code flink run} does: the jar's entry
 * class runs here to build the job graph ({@link PackagedProgram}, the jar in a child-first class
 * loader), then {@link RestClusterClient} uploads the jar and submits the graph.
 */
public final class JobSubmitter implements AutoCloseable {

    private final RestClusterClient<StandaloneClusterId> client;

    public JobSubmitter(URI restAddress) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, restAddress.getHost());
        conf.set(RestOptions.PORT, restAddress.getPort());
        client = new RestClusterClient<>(conf, StandaloneClusterId.getInstance());
    }

    /** Submits {@code entryClass} of {@code jar} with {@code args} ({@code --key value}) at {@code parallelism}. */
    public JobID submit(Path jar, String entryClass, List<String> args, int parallelism) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.setString("classloader.parent-first-patterns.additional", "ai.onnxruntime.;ai.djl.");
        PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar.toFile())
                .setEntryPointClassName(entryClass)
                .setArguments(args.toArray(String[]::new))
                .setConfiguration(conf)
                .build();
        try {
            JobGraph graph = PackagedProgramUtils.createJobGraph(program, conf, parallelism, false);
            return client.submitJob(graph).get(2, TimeUnit.MINUTES);
        } finally {
            program.close();
        }
    }

    public JobStatus status(JobID job) throws Exception {
        return client.getJobStatus(job).get(30, TimeUnit.SECONDS);
    }

    /** Waits until {@code job} is {@code wanted}; false on timeout. */
    public boolean awaitStatus(JobID job, JobStatus wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (status(job) == wanted) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** Cancels {@code job} and waits until it is CANCELED. */
    public void cancel(JobID job) throws Exception {
        client.cancel(job).get(60, TimeUnit.SECONDS);
        if (!awaitStatus(job, JobStatus.CANCELED, Duration.ofSeconds(60))) {
            throw new IllegalStateException("job " + job + " not canceled: " + status(job));
        }
    }

    @Override
    public void close() {
        client.close();
    }
}

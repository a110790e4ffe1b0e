package dev.edgeinfer.cluster;

import org.apache.flink.api.common.JobID;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code docker/local-cluster.sh}: a local session cluster by hand.
 *
 * <pre>
 * start  [--work-dir DIR] [--task-managers N] [--slots N] [--rest-port P] [--lib DIR]
 * submit [--work-dir DIR] --jar JAR --class ENTRY [--parallelism N] [-- --key value ...]
 * cancel [--work-dir DIR] JOB_ID
 * kill-tm [--work-dir DIR] RESOURCE_ID      (SIGKILL, as kill -9)
 * stop   [--work-dir DIR]
 * </pre>
 *
 * {@code start} leaves the processes running and writes the REST address and the pids to
 * {@code DIR/cluster.properties}; {@code stop} reads it and stops them.
 */
public final class LocalClusterMain {

    static final String STATE_FILE = "cluster.properties";

    private LocalClusterMain() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            usage();
            return;
        }
        List<String> args = new ArrayList<>(Arrays.asList(argv).subList(1, argv.length));
        Path work = Path.of(option(args, "--work-dir", "target/local-cluster"));
        switch (argv[0]) {
            case "start" -> start(work, args);
            case "submit" -> submit(work, args);
            case "cancel" -> {
                try (JobSubmitter submitter = new JobSubmitter(rest(work))) {
                    submitter.cancel(JobID.fromHexString(args.get(0)));
                    System.out.println("canceled " + args.get(0));
                }
            }
            case "kill-tm" -> killTaskManager(work, args.get(0));
            case "stop" -> stop(work);
            default -> usage();
        }
    }

    private static void start(Path work, List<String> args) throws Exception {
        if (Files.exists(work.resolve(STATE_FILE))) {
            throw new IllegalStateException(work.resolve(STATE_FILE) + " exists: stop that cluster first");
        }
        LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder(work)
                .taskManagers(Integer.parseInt(option(args, "--task-managers", "2")))
                .slots(Integer.parseInt(option(args, "--slots", "2")))
                .restPort(Integer.parseInt(option(args, "--rest-port", "0")))
                .detached(true);
        String lib = option(args, "--lib", "jobs/target/docker-lib");
        if (Files.isDirectory(Path.of(lib))) {
            builder.libDir(Path.of(lib));
        }
        LocalFlinkCluster cluster = builder.start();
        Properties state = new Properties();
        state.setProperty("rest", cluster.restAddress().toString());
        state.setProperty("pid.jobmanager", Long.toString(cluster.jobManagerPid()));
        cluster.taskManagerPids().forEach((id, pid) -> state.setProperty("pid." + id, Long.toString(pid)));
        try (Writer out = Files.newBufferedWriter(work.resolve(STATE_FILE))) {
            state.store(out, "docker/local-cluster.sh start");
        }
        System.out.println("Flink session cluster at " + cluster.restAddress() + " (JobManager pid "
                + cluster.jobManagerPid() + ", TaskManagers " + cluster.taskManagerPids() + "), logs in "
                + cluster.logDir().toAbsolutePath() + ", state in " + work.resolve(STATE_FILE).toAbsolutePath());
    }

    private static void submit(Path work, List<String> args) throws Exception {
        int dashes = args.indexOf("--");
        List<String> jobArgs = dashes < 0 ? List.of() : new ArrayList<>(args.subList(dashes + 1, args.size()));
        List<String> own = dashes < 0 ? args : new ArrayList<>(args.subList(0, dashes));
        Path jar = Path.of(option(own, "--jar", "jobs/target/edgeinfer.jar"));
        String entry = option(own, "--class", "dev.edgeinfer.jobs.sensor.SensorAnomalyJob");
        int parallelism = Integer.parseInt(option(own, "--parallelism", "2"));
        String rest = option(own, "--rest", null);
        try (JobSubmitter submitter = new JobSubmitter(rest != null ? URI.create(rest) : rest(work))) {
            System.out.println("submitted " + submitter.submit(jar, entry, jobArgs, parallelism));
        }
    }

    private static void killTaskManager(Path work, String id) throws IOException {
        String pid = state(work).getProperty("pid." + id);
        if (pid == null) {
            throw new IllegalArgumentException("no TaskManager " + id + " in " + work.resolve(STATE_FILE));
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        System.out.println("killed " + id + " (pid " + pid + ")");
    }

    private static void stop(Path work) throws IOException {
        Properties state = state(work);
        List<ProcessHandle> handles = new ArrayList<>();
        for (Map.Entry<Object, Object> e : state.entrySet()) {
            if (e.getKey().toString().startsWith("pid.")) {
                ProcessHandle.of(Long.parseLong(e.getValue().toString())).ifPresent(handles::add);
            }
        }
        ClusterProcesses.stopHandles(handles);
        Files.delete(work.resolve(STATE_FILE));
        System.out.println("stopped " + handles.size() + " processes");
    }

    private static URI rest(Path work) throws IOException {
        return URI.create(state(work).getProperty("rest"));
    }

    private static Properties state(Path work) throws IOException {
        Properties state = new Properties();
        try (Reader in = Files.newBufferedReader(work.resolve(STATE_FILE))) {
            state.load(in);
        }
        return state;
    }

    /** Removes {@code name value} from {@code args}; the value or {@code fallback}. */
    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        if (i < 0 || i + 1 >= args.size()) {
            return fallback;
        }
        String value = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return value;
    }

    private static void usage() {
        System.out.println("usage: local-cluster.sh start|submit|cancel|kill-tm|stop [--work-dir DIR] ... (docker/README.md)");
    }
}

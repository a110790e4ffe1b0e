package dev.edgeinfer.cluster;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Flink session cluster of separate JVM processes on this machine — one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and N TaskManagers ({@code TaskManagerRunner}) —
 * started from Maven-resolved Flink jars and a {@code config.yaml}, without a Flink distribution.
 *
 * <p>The processes' class path is Flink's (this module's runtime dependencies, recorded at build
 * time in {@code edgeinfer-flink-classpath.txt}) plus the {@link Builder#lib lib jars}: for
 * EdgeInfer, {@code jobs/target/docker-lib/*.jar}, exactly what the container image puts in
 * {@code /opt/flink/lib}, loaded parent-first ({@code ai.onnxruntime.;ai.djl.}). Logs go to
 * {@code <workDir>/log}. {@link #close()} (and a shutdown hook, unless {@link Builder#detached})
 * stops every process it started.
 */
public final class LocalFlinkCluster implements AutoCloseable {

    private static final String JM_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TM_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final Pattern SUBMITTED = Pattern.compile("submitted ([0-9a-f]{32})");
    private static final Pattern TASK_MANAGERS = Pattern.compile("\"taskmanagers\"\\s*:\\s*(\\d+)");

    private final Builder spec;
    private final Path confDir;
    private final Path logDir;
    private final Configuration config;
    private final int restPort;
    private final List<Path> classpath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "local-flink-cluster-shutdown");
    private Process jobManager;
    private int tmCounter;
    private int submissions;

    private LocalFlinkCluster(Builder spec) throws IOException {
        this.spec = spec;
        Path work = spec.workDir.toAbsolutePath();
        confDir = work.resolve("conf");
        logDir = work.resolve("log");
        Files.createDirectories(confDir);
        Files.createDirectories(logDir);
        Files.createDirectories(work.resolve("tmp"));
        restPort = spec.restPort > 0 ? spec.restPort : ClusterProcesses.freePort();
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("jobmanager.rpc.address", "localhost");
        conf.put("jobmanager.rpc.port", Integer.toString(ClusterProcesses.freePort()));
        conf.put("jobmanager.bind-host", "localhost");
        conf.put("taskmanager.host", "localhost");
        conf.put("taskmanager.bind-host", "localhost");
        conf.put("rest.address", "localhost");
        conf.put("rest.bind-address", "localhost");
        conf.put("rest.port", Integer.toString(restPort));
        conf.put("jobmanager.memory.process.size", spec.jobManagerMemory);
        conf.put("taskmanager.memory.process.size", spec.taskManagerMemory);
        conf.put("taskmanager.numberOfTaskSlots", Integer.toString(spec.slots));
        conf.put("taskmanager.load-balance.mode", "SLOTS"); // a job's slots spread over the TaskManagers
        conf.put("parallelism.default", "1");
        conf.put("classloader.parent-first-patterns.additional", "ai.onnxruntime.;ai.djl.");
        conf.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        conf.put("restart-strategy.type", "fixed-delay");
        conf.put("restart-strategy.fixed-delay.attempts", "30");
        conf.put("restart-strategy.fixed-delay.delay", "1 s");
        // A TaskManager killed with SIGKILL is noticed by its peers at once (connections reset) and
        // by the JobManager after the heartbeat timeout: keep it short.
        conf.put("heartbeat.interval", "1000");
        conf.put("heartbeat.timeout", "6000");
        conf.put("io.tmp.dirs", work.resolve("tmp").toString());
        conf.put("web.tmpdir", work.resolve("tmp").toString());
        conf.putAll(spec.extraConfig);
        StringBuilder yaml = new StringBuilder("# Written by dev.edgeinfer.cluster.LocalFlinkCluster\n");
        conf.forEach((k, v) -> yaml.append(k).append(": ").append(ClusterProcesses.quote(v)).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml);
        Files.writeString(confDir.resolve("log4j.properties"), ClusterProcesses.LOG4J);
        config = Configuration.fromMap(conf);
        classpath = new ArrayList<>(spec.flinkClasspath != null ? spec.flinkClasspath : ClusterProcesses.defaultFlinkClasspath());
        classpath.addAll(spec.lib);
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Starts the JobManager and the TaskManagers and waits until all TaskManagers are registered. */
    private LocalFlinkCluster start() throws IOException, InterruptedException {
        if (!spec.detached) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(config);
        List<String> jvm = ClusterProcesses.split(JobManagerProcessUtils.generateJvmParametersStr(jm, config));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(ClusterProcesses.split(JobManagerProcessUtils.generateDynamicConfigsStr(jm)));
        jobManager = launch("jobmanager", jvm, JM_MAIN, args);
        for (int i = 0; i < spec.taskManagers; i++) {
            startTaskManager();
        }
        awaitTaskManagers(spec.taskManagers, spec.startTimeout);
        return this;
    }

    /** Starts one more TaskManager process; returns its resource id. */
    public synchronized String startTaskManager() throws IOException {
        String id = "taskmanager-" + (tmCounter++);
        TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(config);
        List<String> jvm = ClusterProcesses.split(ProcessMemoryUtils.generateJvmParametersStr(tm));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString(), "-D", "taskmanager.resource-id=" + id));
        args.addAll(ClusterProcesses.split(TaskExecutorProcessUtils.generateDynamicConfigsStr(tm)));
        taskManagers.put(id, launch(id, jvm, TM_MAIN, args));
        return id;
    }

    /** Kills the TaskManager {@code id} as {@code kill -9} does (SIGKILL) and waits for it to die; returns its pid. */
    public synchronized long killTaskManager(String id) throws InterruptedException {
        Process process = taskManagers.remove(id);
        if (process == null) {
            throw new IllegalArgumentException("no running TaskManager " + id + " (running: " + taskManagers.keySet() + ")");
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        return process.pid();
    }

    /**
     * Submits {@code entryClass} of the job {@code jar} as {@code flink run} does: from a separate
     * client JVM with Flink's class path and the lib jars only (so the job jar's classes load
     * child-first, as on a real client), which builds the job graph and submits it over REST
     * ({@link JobSubmitter}). Returns the job id; the client's output is in {@code log/submit-N.out}.
     */
    public JobID submit(Path jar, String entryClass, List<String> args, int parallelism)
            throws IOException, InterruptedException {
        List<String> clientClasspath = new ArrayList<>(List.of(ClusterProcesses.launcherLocation()));
        classpath.forEach(p -> clientClasspath.add(p.toString()));
        List<String> command = new ArrayList<>(List.of("-Xmx512m", "-cp", String.join(java.io.File.pathSeparator, clientClasspath)));
        command.addAll(List.of(LocalClusterMain.class.getName(), "submit", "--rest", restAddress().toString(),
                "--jar", jar.toAbsolutePath().toString(), "--class", entryClass, "--parallelism", Integer.toString(parallelism), "--"));
        command.addAll(args);
        String name = "submit-" + (submissions++);
        Process client = launchRaw(name, command);
        if (!client.waitFor(3, TimeUnit.MINUTES)) {
            client.destroyForcibly();
            throw new IllegalStateException("submission of " + entryClass + " did not finish in 3 min; see " + logDir.resolve(name + ".out"));
        }
        String out = Files.readString(logDir.resolve(name + ".out"));
        Matcher m = SUBMITTED.matcher(out);
        if (client.exitValue() != 0 || !m.find()) {
            throw new IllegalStateException("submission of " + entryClass + " failed (exit " + client.exitValue() + "):\n" + out);
        }
        return JobID.fromHexString(m.group(1));
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited with " + jobManager.exitValue() + "; see " + logDir);
            }
            try {
                last = get("/overview");
                Matcher m = TASK_MANAGERS.matcher(last);
                if (m.find() && Integer.parseInt(m.group(1)) == count) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("not " + count + " TaskManagers within " + timeout + ": " + last + "; see " + logDir);
    }

    /** GET on the REST API; the body. */
    public String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(restAddress().resolve(path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    public URI restAddress() {
        return URI.create("http://localhost:" + restPort);
    }

    public int restPort() {
        return restPort;
    }

    public Path logDir() {
        return logDir;
    }

    public long jobManagerPid() {
        return jobManager.pid();
    }

    /** The running TaskManagers: resource id to pid. */
    public synchronized Map<String, Long> taskManagerPids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        taskManagers.forEach((id, p) -> pids.put(id, p.pid()));
        return pids;
    }

    /** All log and output files' text concatenated (to look for errors in tests). */
    public String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.sorted().toList()) {
                all.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    /** Stops every process this cluster started (TaskManagers first), forcibly after 15 s. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down already, or never registered
        }
    }

    private synchronized void stopAll() {
        List<Process> all = new ArrayList<>(taskManagers.values());
        taskManagers.clear();
        if (jobManager != null) {
            all.add(jobManager);
        }
        stop(all);
    }

    private static void stop(Iterable<Process> processes) {
        List<ProcessHandle> handles = new ArrayList<>();
        processes.forEach(p -> handles.add(p.toHandle()));
        ClusterProcesses.stopHandles(handles);
    }

    private Process launch(String name, List<String> memoryJvmArgs, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(memoryJvmArgs);
        command.add("-cp");
        List<String> cp = new ArrayList<>();
        classpath.forEach(p -> cp.add(p.toString()));
        if (!spec.detached) {
            // The processes exit with this JVM even when it is killed (no shutdown hook runs then).
            cp.add(ClusterProcesses.launcherLocation());
            command.add(String.join(java.io.File.pathSeparator, cp));
            command.addAll(List.of(OrphanGuard.class.getName(), Long.toString(ProcessHandle.current().pid())));
        } else {
            command.add(String.join(java.io.File.pathSeparator, cp));
        }
        command.add(mainClass);
        command.addAll(args);
        return launchRaw(name, command);
    }

    /** {@code java} with Flink's opens, DJL's offline flags and the log settings, then {@code javaArgs}. */
    private Process launchRaw(String name, List<String> javaArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ClusterProcesses.JAVA_OPENS);
        command.add("--add-exports=java.base/sun.net.util=ALL-UNNAMED");
        command.add("-DOPT_OUT_TRACKING=true");
        command.add("-Dai.djl.offline=true");
        command.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.addAll(spec.javaOptions);
        command.addAll(javaArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.workDir.toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".out").toFile());
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        return builder.start();
    }

    /** What to start. */
    public static final class Builder {
        private final Path workDir;
        private int taskManagers = 2;
        private int slots = 2;
        private int restPort;
        private String jobManagerMemory = "768m";
        private String taskManagerMemory = "1g";
        private final List<Path> lib = new ArrayList<>();
        private List<Path> flinkClasspath;
        private final Map<String, String> extraConfig = new LinkedHashMap<>();
        private final List<String> javaOptions = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(120);
        private boolean detached;

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        public Builder taskManagers(int count) {
            taskManagers = count;
            return this;
        }

        public Builder slots(int perTaskManager) {
            slots = perTaskManager;
            return this;
        }

        /** The REST port (default: a free one). */
        public Builder restPort(int port) {
            restPort = port;
            return this;
        }

        public Builder memory(String jobManager, String taskManager) {
            jobManagerMemory = jobManager;
            taskManagerMemory = taskManager;
            return this;
        }

        /** Jars for the processes' class path beside Flink's, as in a distribution's {@code lib/}. */
        public Builder lib(List<Path> jars) {
            lib.addAll(jars);
            return this;
        }

        /** Every {@code *.jar} in {@code dir} (e.g. {@code jobs/target/docker-lib}). */
        public Builder libDir(Path dir) throws IOException {
            try (Stream<Path> files = Files.list(dir)) {
                lib.addAll(files.filter(f -> f.toString().endsWith(".jar")).sorted().toList());
            }
            return this;
        }

        /** Flink's own jars (default: {@link ClusterProcesses#defaultFlinkClasspath()}). */
        public Builder flinkClasspath(List<Path> jars) {
            flinkClasspath = List.copyOf(jars);
            return this;
        }

        /** One more {@code config.yaml} entry (wins over the defaults). */
        public Builder config(String key, String value) {
            extraConfig.put(key, value);
            return this;
        }

        public Builder javaOption(String option) {
            javaOptions.add(option);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            startTimeout = timeout;
            return this;
        }

        /** The processes outlive this JVM (no shutdown hook): for {@code local-cluster.sh start}. */
        public Builder detached(boolean value) {
            detached = value;
            return this;
        }

        /** Starts the cluster and waits for every TaskManager to register; stops what started on failure. */
        public LocalFlinkCluster start() throws IOException, InterruptedException {
            LocalFlinkCluster cluster = new LocalFlinkCluster(this);
            try {
                return cluster.start();
            } catch (IOException | InterruptedException | RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }
}

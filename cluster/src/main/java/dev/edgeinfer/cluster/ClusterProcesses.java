package dev.edgeinfer.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What {@link LocalFlinkCluster} needs to start and stop JVM processes: class paths, options, ports. */
final class ClusterProcesses {

    private ClusterProcesses() {}

    /** Flink on Java 17 needs these opens (as Flink's own scripts pass; the root pom's flink.java.opens). */
    static final List<String> JAVA_OPENS = Stream.of("java.util", "java.lang", "java.lang.reflect", "java.io",
                    "java.nio", "sun.nio.ch", "java.net", "java.text", "java.time", "java.util.concurrent",
                    "java.util.concurrent.atomic")
            .map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED")
            .toList();


    /** SIGTERM, then SIGKILL for those still alive after 15 s (also used by {@code stop} from the state file). */
    static void stopHandles(List<ProcessHandle> handles) {
        handles.forEach(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }


    /** Flink's class path: this module's runtime dependencies, recorded at build time. */
    public static List<Path> defaultFlinkClasspath() {
        try (InputStream in = ClusterProcesses.class.getResourceAsStream("/edgeinfer-flink-classpath.txt")) {
            if (in == null) {
                throw new IllegalStateException("edgeinfer-flink-classpath.txt is missing: build the cluster module");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            List<Path> paths = new ArrayList<>();
            for (String entry : text.split(java.io.File.pathSeparator)) {
                paths.add(Path.of(entry));
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> split(String args) {
        return Arrays.stream(args.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static final String LOG4J = String.join("\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "appender.main.name = MainAppender",
            "appender.main.type = File",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            "logger.kafka.name = org.apache.kafka",
            "logger.kafka.level = WARN",
            "");


    static String launcherLocation() {
        try {
            return Path.of(ClusterProcesses.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

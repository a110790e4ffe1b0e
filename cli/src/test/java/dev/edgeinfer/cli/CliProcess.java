package dev.edgeinfer.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code edgeinfer} command in a JVM of its own, as {@code ./edgeinfer} starts it (this test
 * class path, Flink's opens, DJL offline, the CLI's log settings), its console captured in a
 * file, so that a test can kill it as a power loss would ({@code SIGKILL}) and start it again.
 */
final class CliProcess implements AutoCloseable {

    private final Process process;
    private final Path console;

    private CliProcess(Process process, Path console) {
        this.process = process;
        this.console = console;
    }

    /** Starts {@code edgeinfer <args>}; its console (stdout and stderr) goes to {@code console}. */
    static CliProcess start(Path console, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String open : List.of("java.util", "java.lang", "java.lang.reflect", "java.io", "java.nio", "sun.nio.ch",
                "java.net", "java.text", "java.time", "java.util.concurrent", "java.util.concurrent.atomic")) {
            command.add("--add-opens=java.base/" + open + "=ALL-UNNAMED");
        }
        command.add("--add-exports=java.base/sun.net.util=ALL-UNNAMED");
        command.addAll(List.of("-Xmx1g", "-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true",
                "-Dlog4j2.configurationFile=log4j2-edgeinfer.properties",
                "-cp", System.getProperty("java.class.path"), EdgeInferCli.class.getName()));
        command.addAll(args);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                .start();
        return new CliProcess(process, console);
    }

    /** What it printed so far. */
    String console() throws IOException {
        return Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "";
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook, no cancellation, nothing flushed, as a power loss. */
    void killHard() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the edgeinfer process survived SIGKILL for 30 s");
        }
    }

    /** Waits until the console contains {@code text}; fails if the process ends first or the time runs out. */
    void awaitConsole(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!console().contains(text)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("edgeinfer exited (" + process.exitValue() + ") before printing '"
                        + text + "':\n" + console());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("edgeinfer did not print '" + text + "' within " + timeout + ":\n"
                        + console());
            }
            Thread.sleep(200);
        }
    }

    /** SIGTERM (as Ctrl-C), then SIGKILL if it lingers. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            killHard();
        }
    }
}

package dev.edgeinfer.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory as the OS and the JVM see it: what the rollovers bench samples. */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /**
     * Resident set size from {@code /proc/self/status} ({@code VmRSS}), MiB: the heap, native
     * memory (ONNX Runtime sessions, direct buffers) and code alike.
     *
     * @throws IllegalStateException where there is no {@code /proc} (not Linux): the bench needs it
     */
    static double rssMb() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Math.round(Long.parseLong(kb) / 102.4) / 10.0;
                }
            }
            throw new IllegalStateException(STATUS + " has no VmRSS line");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STATUS + " (the rollovers bench needs Linux): " + e.getMessage(), e);
        }
    }

    /** Java heap in use, MiB. */
    static double heapUsedMb() {
        Runtime rt = Runtime.getRuntime();
        return Math.round((rt.totalMemory() - rt.freeMemory()) / 104857.6) / 10.0;
    }
}

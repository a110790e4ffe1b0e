package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelVariant;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this TaskManager's hardware can run: the CPU architecture, the CPU's feature flags as
 * {@code /proc/cpuinfo} lists them ({@code flags} on x86, {@code Features} on arm64, e.g.
 * {@code avx512_vnni}, {@code avx2}, {@code asimddp}) and the ONNX Runtime execution providers
 * this build runs (the CPU one); and, for the heartbeats, the CPU's model name.
 *
 * <pre>{@code
 * HardwareProfile here = HardwareProfile.local();
 * boolean ok = variant.runsOn(here.cpuFlags(), here.providers());
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Read once per JVM. Without {@code /proc/cpuinfo} (not Linux)
 * the flag set is empty, so only variants that need no particular flag run there.
 */
@Internal
record HardwareProfile(String arch, Set<String> cpuFlags, Set<String> providers, String cpuModel) {

    private static final HardwareProfile LOCAL = read(Path.of("/proc/cpuinfo"));

    HardwareProfile {
        cpuFlags = Set.copyOf(new TreeSet<>(cpuFlags));
        providers = Set.copyOf(providers);
    }

    static HardwareProfile local() {
        return LOCAL;
    }

    /** Parses a {@code /proc/cpuinfo}-style file (flags of the first processor listed). */
    static HardwareProfile read(Path cpuinfo) {
        String arch = System.getProperty("os.arch", "unknown");
        List<String> lines = List.of();
        try {
            lines = Files.readAllLines(cpuinfo);
        } catch (IOException | RuntimeException e) {
            // not Linux (or unreadable): no flags known, the architecture stands for the model
        }
        String model = field(lines, "model name");
        return new HardwareProfile(arch, parseFlags(lines), Set.of(ModelVariant.CPU), model != null ? model : arch);
    }

    static Set<String> parseFlags(List<String> cpuinfoLines) {
        String value = field(cpuinfoLines, "flags");
        if (value == null) {
            value = field(cpuinfoLines, "Features");
        }
        return value == null || value.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(value.split("\\s+")));
    }

    /** The value of the first {@code key : value} line with this key, or null. */
    static String field(List<String> cpuinfoLines, String key) {
        for (String line : cpuinfoLines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** e.g. {@code amd64 [avx2, avx512_vnni] cpu}: the flags that variants ask for, not all of them. */
    String describe(List<ModelVariant> variants) {
        Set<String> asked = new TreeSet<>();
        variants.forEach(v -> asked.addAll(v.cpuFlagsAnyOf()));
        asked.retainAll(cpuFlags);
        return arch + " " + asked + " " + new TreeSet<>(providers);
    }
}

package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One file of a multi-variant {@link ModelRelease}: the same model version as fp32, int8, pruned or
 * distilled bytes, with the hardware it needs and how faithful it is to the reference. Each site
 * picks one variant (the most faithful that its hardware runs within its latency budget); results
 * then name the version and the chosen variant's sha256.
 *
 * <pre>{@code
 * ModelVariant int8 = new ModelVariant("int8", Sha256.of(bytes), "file:///models/v3-int8.onnx", bytes.length,
 *         List.of("avx512_vnni", "avx_vnni", "asimddp"), ModelVariant.CPU, 0.995);
 * ModelRelease r = ModelRelease.builder()...variants(List.of(fp32, int8)).build();
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Validated on construction ({@link InvalidReleaseException}
 * naming {@code variants.<field>} and the value): {@code kind} is a label like a version,
 * {@code sha256} 64 lower-case hex characters, {@code uri} absolute, {@code sizeBytes > 0},
 * {@code cpuFlagsAnyOf} lower-case flag names as {@code /proc/cpuinfo} spells them (stored sorted
 * and distinct), {@code executionProvider} a lower-case name, {@code 0 <= fidelity <= 1}. Every
 * field is covered by the release's signature ({@link ReleaseSigning#canonicalBytes}), so a
 * variant whose bytes, URI or claims were changed after signing is refused as a whole release.
 * {@code fidelity} is the publisher's measurement (e.g. top-1 agreement with the reference on
 * held-out inputs): sites trust it as signed, they do not measure it again.
 *
 * @param kind what the variant is, e.g. {@code fp32}, {@code int8}, {@code int8-reduced-range}, {@code pruned-50}
 * @param sha256 lower-case hex sha256 of the variant's bytes
 * @param uri where to fetch the bytes
 * @param sizeBytes the file's size in bytes
 * @param cpuFlagsAnyOf the CPU needs at least one of these flags ({@code /proc/cpuinfo} names);
 *     empty: any CPU
 * @param executionProvider the ONNX Runtime execution provider it is made for, e.g. {@value #CPU}
 * @param fidelity agreement with the reference, 0..1 (1 for the reference itself)
 */
public record ModelVariant(
        String kind,
        String sha256,
        String uri,
        long sizeBytes,
        List<String> cpuFlagsAnyOf,
        String executionProvider,
        double fidelity)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The CPU execution provider (the only one this build runs). */
    public static final String CPU = "cpu";
    /** Most variants one release may carry. */
    public static final int MAX_VARIANTS = 16;

    private static final Pattern NAME = Pattern.compile("[a-z0-9_.-]{1,64}");

    public ModelVariant {
        ReleaseChecks.requireLabel("variants.kind", kind);
        ReleaseChecks.requireSha256("variants.sha256", sha256);
        ReleaseChecks.requireAbsoluteUri("variants.uri", uri);
        if (sizeBytes <= 0) {
            throw InvalidReleaseException.invalid("variants.sizeBytes", sizeBytes, "must be > 0");
        }
        if (cpuFlagsAnyOf == null) {
            throw InvalidReleaseException.missing("variants.cpuFlagsAnyOf");
        }
        Set<String> flags = new TreeSet<>();
        for (String flag : cpuFlagsAnyOf) {
            if (flag == null || !NAME.matcher(flag).matches()) {
                throw InvalidReleaseException.invalid("variants.cpuFlagsAnyOf", flag,
                        "flags are lower-case /proc/cpuinfo names like avx512_vnni or asimddp");
            }
            flags.add(flag);
        }
        cpuFlagsAnyOf = List.copyOf(flags);
        if (executionProvider == null) {
            throw InvalidReleaseException.missing("variants.executionProvider");
        }
        if (!NAME.matcher(executionProvider).matches()) {
            throw InvalidReleaseException.invalid("variants.executionProvider", executionProvider,
                    "must be a lower-case provider name such as '" + CPU + "'");
        }
        if (!(fidelity >= 0 && fidelity <= 1)) {
            throw InvalidReleaseException.invalid("variants.fidelity", fidelity, "must be in 0..1");
        }
    }

    /** The single file of a release without variants, as a variant: fp32 reference, any CPU, fidelity 1. */
    public static ModelVariant referenceOf(ModelRelease release) {
        return new ModelVariant(REFERENCE_KIND, release.sha256(), release.uri(), release.sizeBytes(), List.of(), CPU, 1.0);
    }

    /** The kind {@link #referenceOf} gives the single file of a release without variants. */
    public static final String REFERENCE_KIND = "reference";

    /** Whether a CPU with {@code cpuFlags} and {@code providers} can run this variant. */
    public boolean runsOn(Set<String> cpuFlags, Set<String> providers) {
        return providers.contains(executionProvider)
                && (cpuFlagsAnyOf.isEmpty() || cpuFlagsAnyOf.stream().anyMatch(cpuFlags::contains));
    }

    /** e.g. {@code int8 3f2a9c0b1d4e (0.995)}. */
    public String describe() {
        return kind + " " + sha256.substring(0, 12) + String.format(Locale.ROOT, " (%.3f)", fidelity);
    }
}

package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.runtime.OnnxSignatures;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An {@code edgeinfer optimize} output directory as one multi-variant release: the original is
 * the reference (kind {@code fp32}, fidelity 1), every other variant it made (int8,
 * int8-reduced-range, pruned-NN) a {@link ModelVariant} with its sha256, size, {@code file:} URI,
 * the fidelity {@code report.json} measured (top-1 agreement for classifiers, decision agreement
 * for scorers) and the CPU flags it needs (int8: VNNI or arm64 dot-product; the reduced-range twin
 * and fp32 variants: any CPU). Used by {@code publish --variants} and {@code demo --frames --optimize}.
 */
public final class OptimizedRelease {

    /** x86 VNNI (AVX-512 or AVX) or arm64 dot-product: where u8s8 int8 kernels neither saturate nor crawl. */
    public static final List<String> INT8_CPU_FLAGS = List.of("asimddp", "avx512_vnni", "avx_vnni");

    private OptimizedRelease() {}

    /** The release and the variants left out of it (a signature other than the reference's). */
    public record Described(ModelRelease release, List<String> skipped) {}

    /** Runs {@code edgeinfer optimize} with {@code args} (plus {@code --out dir}); throws unless it succeeds. */
    public static void optimize(Path dir, PrintWriter out, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--out");
        all.add(dir.toString());
        CommandLine cmd = new CommandLine(new OptimizeCommand()).setOut(out).setErr(out);
        int code = cmd.execute(all.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException("edgeinfer optimize " + all + " failed with exit code " + code);
        }
    }

    /**
     * Makes the variants of an image classifier of input {@code size} in {@code dir}: writes
     * labelled synthetic calibration and held-out frames, then runs optimize (int8, its
     * reduced-range twin, 50% channel pruning; one timing repeat, to keep a demo short).
     */
    public static void optimizeFrames(Path dir, Path model, int size, PrintWriter out) throws IOException {
        Path calibration = OptimizeCommand.writeFrames(dir.resolve("calibration"), 8, size, 11);
        Path heldOut = OptimizeCommand.writeFrames(dir.resolve("heldout"), 20, size, 12);
        optimize(dir, out, "--model", model.toString(), "--calibration", calibration.toString(), "--eval",
                heldOut.toString(), "--prune", "0.5", "--latency-runs", "50", "--repeats", "1");
    }

    /** Describes {@code dir} (with its {@code report.json}) as one release of {@code version}. */
    public static Described describe(Path dir, String model, String version, long activateAt, int canary,
            String publisher, long publishedAt) throws IOException {
        Path reportFile = dir.resolve("report.json");
        if (!Files.isRegularFile(reportFile)) {
            throw new IOException("no report.json in " + dir + ": give the --out directory of `edgeinfer optimize`");
        }
        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        JsonNode original = null;
        for (JsonNode v : report.path("variants")) {
            if (v.path("name").asText().equals("original") && v.path("made").asBoolean()) {
                original = v;
            }
        }
        if (original == null) {
            throw new IOException(reportFile + " names no original model");
        }
        Path reference = file(dir, original);
        Map<String, String> metadata = new TreeMap<>();
        ReleaseFactory.onnxMetadata(reference).forEach((k, val) -> {
            if (k.startsWith("image.") || k.equals("labels")) {
                metadata.put(k, val);
            }
        });
        ModelRelease release = ReleaseFactory.fromFile(
                model, version, reference, activateAt, canary, publisher, publishedAt, metadata);
        ModelSignature signature = signature(reference);
        List<ModelVariant> variants = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        variants.add(new ModelVariant("fp32", release.sha256(), release.uri(), release.sizeBytes(), List.of(),
                ModelVariant.CPU, 1.0));
        for (JsonNode v : report.path("variants")) {
            String name = v.path("name").asText();
            if (!v.path("made").asBoolean() || name.equals("original")) {
                continue;
            }
            Path file = file(dir, v);
            if (!signature(file).equals(signature)) {
                skipped.add(name + " (its inputs/outputs differ from the original's)");
                continue;
            }
            JsonNode f = v.path("fidelity");
            double fidelity = f.has("top1Agreement") ? f.get("top1Agreement").asDouble()
                    : f.has("decisionAgreement") ? f.get("decisionAgreement").asDouble()
                    : f.path("meanCosine").asDouble(0);
            String kind = name.equals("int8-reduced") ? "int8-reduced-range" : name;
            List<String> flags = name.equals("int8") ? INT8_CPU_FLAGS : List.of();
            variants.add(new ModelVariant(kind, Sha256.of(file), file.toUri().toString(), Files.size(file), flags,
                    ModelVariant.CPU, Math.max(0, Math.min(1, fidelity))));
        }
        return new Described(release.toBuilder().variants(variants).build(), skipped);
    }

    private static Path file(Path dir, JsonNode variant) throws IOException {
        Path named = Path.of(variant.path("file").asText());
        Path file = Files.isRegularFile(named) ? named : dir.resolve(named.getFileName());
        if (!Files.isRegularFile(file)) {
            throw new IOException("variant " + variant.path("name").asText() + ": no file " + named + " (nor in " + dir + ")");
        }
        return file.toAbsolutePath().normalize();
    }

    private static ModelSignature signature(Path file) throws IOException {
        try {
            return ReleaseFactory.declared(OnnxSignatures.read(file));
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

package dev.edgeinfer.optimize;

import ai.onnx.proto.OnnxMl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Produces the variants of one model and checks each against the original: int8 (static QDQ) and
 * its reduced-range twin, structurally pruned models at the given ratios (channels for
 * convolutional nets, input features for linear models over a feature vector) and, given
 * training inputs, a distilled student. Each is written to the output directory, loaded in ONNX
 * Runtime, compared on the held-out inputs ({@link Fidelity}) and timed ({@link Latency}; the
 * variants are timed in turn, {@code repeats} times, and the median kept, since a shared machine
 * is noisy). A variant that cannot be made is reported with the reason instead.
 *
 * <pre>{@code
 * List<ModelOptimizer.Variant> variants = ModelOptimizer.run(request, Path.of("out"), System.out::println);
 * }</pre>
 */
public final class ModelOptimizer {

    private ModelOptimizer() {}

    /**
     * What to do.
     *
     * @param model the ONNX file
     * @param calibration calibration inputs (for int8; may be empty)
     * @param heldOut held-out inputs and labels
     * @param pruneRatios pruning ratios, each in [0, 1)
     * @param ranking filter scores for channel pruning
     * @param quantize whether to make the int8 variants
     * @param distilInputs unlabelled inputs to distil a scorer on (null: no student)
     * @param threshold a scorer's decision threshold
     * @param latencyRuns timed runs per measurement (plus a fifth as warm-up)
     * @param repeats measurements per variant (median kept)
     */
    public record Request(
            Path model,
            List<float[]> calibration,
            InputFiles.Samples heldOut,
            List<Double> pruneRatios,
            ChannelPruner.Ranking ranking,
            boolean quantize,
            List<float[]> distilInputs,
            double threshold,
            int latencyRuns,
            int repeats) {
        public Request {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(heldOut, "heldOut");
            if (heldOut.size() == 0) {
                throw new OptimizationException("no held-out inputs to check the variants on");
            }
            pruneRatios = List.copyOf(pruneRatios);
            calibration = List.copyOf(calibration);
            if (latencyRuns < 1 || repeats < 1) {
                throw new OptimizationException(
                        "latency runs and repeats must be >= 1, got " + latencyRuns + ", " + repeats);
            }
        }
    }

    /**
     * One variant and what was measured.
     *
     * @param name e.g. {@code int8}, {@code pruned-50}
     * @param file where it was written (null if it could not be made)
     * @param bytes file size
     * @param sizeRatio size / the original's size
     * @param fidelity against the original on the held-out inputs
     * @param latency median of the repeats
     * @param note how it was made, or why it was not
     */
    public record Variant(
            String name, Path file, long bytes, double sizeRatio, Fidelity fidelity, Latency latency, String note) {
        public boolean made() {
            return file != null;
        }
    }

    /** Makes, checks and times every variant; {@code log} hears progress. */
    public static List<Variant> run(Request r, Path outDir, Consumer<String> log) throws IOException {
        byte[] original = Files.readAllBytes(r.model());
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(original);
        String stem = r.model().getFileName().toString().replaceFirst("\\.onnx$", "");
        Files.createDirectories(outDir);
        int rank;
        try (OrtModel m = OrtModel.load(original, 1)) {
            rank = m.sampleShape().length;
        }
        Made made = new Made();
        List<String> failed = new ArrayList<>();
        made.add("original", original, "fp32, as given");
        if (r.quantize() && !r.calibration().isEmpty()) {
            for (boolean reduced : new boolean[] {false, true}) {
                String name = reduced ? "int8-reduced" : "int8";
                try {
                    StaticQuantizer.Options o =
                            reduced ? StaticQuantizer.Options.reduced() : StaticQuantizer.Options.standard();
                    StaticQuantizer.Result q = StaticQuantizer.quantize(original, r.calibration(), o);
                    made.add(name,
                            q.model().toByteArray(),
                            String.format(
                                    Locale.ROOT,
                                    "QDQ, %d weighted ops, %d activations, weights ±%d, %d calibration inputs",
                                    q.quantizedWeights(),
                                    q.quantizedTensors(),
                                    o.weightLimit(),
                                    r.calibration().size()));
                } catch (OptimizationException e) {
                    failed.add(name + ": " + e.getMessage());
                }
                log.accept("made " + name);
            }
        }
        for (double ratio : r.pruneRatios()) {
            String name = String.format(Locale.ROOT, "pruned-%02d", Math.round(ratio * 100));
            try {
                if (rank == 4) {
                    ChannelPruner.Result p =
                            ChannelPruner.prune(proto, new ChannelPruner.Options(ratio, r.ranking(), 8));
                    made.add(name,
                            p.model().toByteArray(),
                            String.format(
                                    Locale.ROOT,
                                    "%s ranking, %d groups (%d left whole), conv channels %d -> %d",
                                    r.ranking(),
                                    p.groups(),
                                    p.frozenGroups(),
                                    p.channelsBefore(),
                                    p.channelsAfter()));
                } else {
                    FeaturePruner.Result p = FeaturePruner.prune(proto, ratio);
                    made.add(name,
                            p.model().toByteArray(),
                            String.format(Locale.ROOT, "input features %d -> %d", p.featuresBefore(), p.kept().length));
                }
            } catch (OptimizationException e) {
                failed.add(name + ": " + e.getMessage());
            }
            log.accept("made " + name);
        }
        if (r.distilInputs() != null) {
            try (OrtModel teacher = OrtModel.load(original, 1)) {
                Distiller.Student s = Distiller.distil(teacher, r.distilInputs(), Distiller.Options.defaults());
                if (s.model().getSerializedSize() >= original.length) {
                    throw new OptimizationException("the student (" + s.model().getSerializedSize()
                            + " bytes) would not be smaller than the model (" + original.length + " bytes)");
                }
                made.add("distilled",
                        s.model().toByteArray(),
                        String.format(
                                Locale.ROOT,
                                "logistic regression on %d features and their squares, soft targets from %d inputs",
                                s.features(),
                                r.distilInputs().size()));
            } catch (OptimizationException e) {
                failed.add("distilled: " + e.getMessage());
            }
            log.accept("made distilled");
        }

        List<Fidelity> fidelity = new ArrayList<>();
        try (OrtModel ref = OrtModel.load(original, 1)) {
            for (int i = 0; i < made.models.size(); i++) {
                try (OrtModel v = OrtModel.load(made.models.get(i), 1)) {
                    fidelity.add(Fidelity.measure(
                            ref, v, r.heldOut().inputs(), r.heldOut().labels(), r.threshold()));
                }
                log.accept("checked " + made.names.get(i));
            }
        }
        List<List<Latency>> timings = new ArrayList<>();
        made.models.forEach(m -> timings.add(new ArrayList<>()));
        float[] sample = r.heldOut().inputs().get(0);
        for (int rep = 0; rep < r.repeats(); rep++) {
            for (int i = 0; i < made.models.size(); i++) {
                timings.get(i)
                        .add(Latency.measure(made.models.get(i), sample, Math.max(5, r.latencyRuns() / 5), r.latencyRuns()));
            }
            log.accept("timed all variants, round " + (rep + 1) + "/" + r.repeats());
        }
        List<Variant> out = new ArrayList<>();
        for (int i = 0; i < made.models.size(); i++) {
            Path file = outDir.resolve(stem + "-" + made.names.get(i) + ".onnx");
            Files.write(file, made.models.get(i));
            out.add(new Variant(
                    made.names.get(i),
                    file,
                    made.models.get(i).length,
                    (double) made.models.get(i).length / original.length,
                    fidelity.get(i),
                    median(timings.get(i)),
                    made.notes.get(i)));
        }
        for (String f : failed) {
            int colon = f.indexOf(':');
            out.add(new Variant(
                    f.substring(0, colon), null, 0, Double.NaN, null, null, "not made:" + f.substring(colon + 1)));
        }
        return out;
    }

    /** The variants made so far: names, model bytes and notes, in step. */
    private static final class Made {
        final List<String> names = new ArrayList<>();
        final List<byte[]> models = new ArrayList<>();
        final List<String> notes = new ArrayList<>();

        void add(String name, byte[] model, String note) {
            names.add(name);
            models.add(model);
            notes.add(note);
        }
    }

    /** The measurement with the median throughput (its p50 and p99 go with it). */
    static Latency median(List<Latency> runs) {
        List<Latency> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Latency::throughputPerSecond));
        Latency mid = sorted.get((sorted.size() - 1) / 2);
        double[] p50 = runs.stream().mapToDouble(Latency::p50Ms).sorted().toArray();
        double[] p99 = runs.stream().mapToDouble(Latency::p99Ms).sorted().toArray();
        return new Latency(
                p50[(p50.length - 1) / 2],
                p99[(p99.length - 1) / 2],
                mid.throughputPerSecond(),
                Arrays.stream(runs.toArray(new Latency[0]))
                        .mapToInt(Latency::runs)
                        .sum());
    }

    /** Indices of the variants on the quality/latency Pareto front (no other is both faster and better). */
    public static List<Integer> paretoFront(List<Variant> variants) {
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            Variant a = variants.get(i);
            if (!a.made()) {
                continue;
            }
            boolean dominated = false;
            for (Variant b : variants) {
                if (b != a
                        && b.made()
                        && b.latency().p50Ms() <= a.latency().p50Ms()
                        && b.fidelity().quality() >= a.fidelity().quality()
                        && (b.latency().p50Ms() < a.latency().p50Ms()
                                || b.fidelity().quality() > a.fidelity().quality())) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(i);
            }
        }
        return front;
    }
}

package dev.edgeinfer.cli;

import dev.edgeinfer.optimize.ChannelPruner;
import dev.edgeinfer.optimize.InputFiles;
import dev.edgeinfer.optimize.ModelOptimizer;
import dev.edgeinfer.optimize.OnnxProtos;
import dev.edgeinfer.optimize.OptimizationException;
import dev.edgeinfer.optimize.OrtModel;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.models.MobileNetV2StyleModelFactory;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;
import dev.edgeinfer.simulation.models.SensorTeacherModelFactory;
import dev.edgeinfer.simulation.sensor.LabelledWindow;

import ai.onnx.proto.OnnxMl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;

/**
 * {@code edgeinfer optimize}: int8, pruned and distilled variants of one ONNX model, each checked
 * against the original (fidelity, quality, size, latency); a table on stdout, {@code report.json}
 * and {@code quality-vs-latency.png} in {@code --out}.
 *
 * <pre>
 * edgeinfer optimize --model m.onnx --calibration frames/ --eval heldout/ --prune 0.25,0.5 --out variants
 * edgeinfer optimize --example mobilenetv2 --out variants      # builds the model and frames first
 * edgeinfer optimize --example sensor-teacher --out variants   # the scorer: pruned features and a distilled student
 * </pre>
 */
@Command(
        name = "optimize",
        mixinStandardHelpOptions = true,
        description = {
            "Makes faster variants of an ONNX model (int8, pruned, distilled) and checks them against it.",
            "Variants: static int8 QDQ and a 7-bit-weight reduced-range int8, structured channel pruning at the",
            "given ratios and, for scorers, a distilled student. Each is checked against the original on held-out",
            "inputs, timed in bare ONNX Runtime (1 intra-op thread), and reported in a table, report.json and a",
            "quality/latency chart."
        })
final class OptimizeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "The ONNX model (any single-input float model).")
    Path model;

    @Option(
            names = "--example",
            description = "Build an example first instead of --model: mobilenetv2 (224x224), "
                    + "mobilenetv2-small (64x64), sensor (the v2 scorer), sensor-teacher.")
    String example;

    @Option(
            names = "--calibration",
            description = "Calibration inputs: a directory of JPEG/PNG frames, a .npy or raw float32 file.")
    Path calibration;

    @Option(
            names = "--calibration-topic",
            description = "Read calibration frames from this Kafka frame topic instead (needs --bootstrap).")
    String calibrationTopic;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers for --calibration-topic.")
    String bootstrap;

    @Option(
            names = "--eval",
            description = "Held-out inputs, same forms (default: the second half of --calibration). "
                    + "Images named <label>-*.png are labelled with the model's labels.")
    Path eval;

    @Option(
            names = "--calibration-count",
            defaultValue = "32",
            description = "Calibration inputs used at most (default: ${DEFAULT-VALUE}).")
    int calibrationCount;

    @Option(
            names = "--prune",
            split = ",",
            defaultValue = "0.25,0.5",
            description = "Pruning ratios (default: ${DEFAULT-VALUE}).")
    List<Double> prune;

    @Option(
            names = "--ranking",
            defaultValue = "L1",
            description = "Filter ranking: L1 or BN_GAMMA (default: ${DEFAULT-VALUE}).")
    ChannelPruner.Ranking ranking;

    @Option(names = "--no-quantize", description = "Skip the int8 variants.")
    boolean noQuantize;

    @Option(
            names = "--threshold",
            defaultValue = "0.5",
            description = "A scorer's decision threshold (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(
            names = "--latency-runs",
            defaultValue = "200",
            description = "Timed runs per measurement (default: ${DEFAULT-VALUE}).")
    int latencyRuns;

    @Option(
            names = "--repeats",
            defaultValue = "3",
            description = "Measurements per variant, median kept (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(
            names = "--frames",
            defaultValue = "40",
            description = "Examples: held-out frames per class (default: ${DEFAULT-VALUE}).")
    int framesPerClass;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        try {
            return run(pw);
        } catch (OptimizationException e) {
            spec.commandLine().getErr().println("edgeinfer optimize: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
    }

    private int run(PrintWriter pw) throws IOException {
        Files.createDirectories(out);
        if (example != null) {
            buildExample(pw);
        }
        if (model == null) {
            throw new OptimizationException("give --model or --example");
        }
        if (!Files.isRegularFile(model)) {
            throw new OptimizationException("no such model file: " + model);
        }
        OnnxMl.ModelProto proto = OnnxProtos.read(model);
        Map<String, String> meta = new LinkedHashMap<>();
        proto.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        long[] shape;
        try (OrtModel m = OrtModel.load(model, 1)) {
            shape = m.sampleShape();
        }
        float[] mean = floats(meta.get("image.mean"));
        float[] std = floats(meta.get("image.std"));
        List<String> labels =
                meta.containsKey("labels") ? List.of(meta.get("labels").split(",")) : List.of();

        List<float[]> calibrationInputs = List.of();
        InputFiles.Samples heldOut = null;
        if (calibration != null || calibrationTopic != null) {
            InputFiles.Samples cal;
            if (calibrationTopic != null) {
                if (bootstrap == null) {
                    throw new OptimizationException("--calibration-topic needs --bootstrap");
                }
                cal = TopicFrames.read(
                        bootstrap, calibrationTopic, 2 * calibrationCount, Duration.ofSeconds(30), shape, mean, std);
            } else {
                cal = InputFiles.read(calibration, shape, mean, std, labels);
            }
            if (eval == null && !meta.containsKey("edgeinfer.channels")) {
                int half = Math.max(1, cal.size() / 2);
                heldOut = cal.slice(half, cal.size());
                cal = cal.slice(0, half);
            }
            calibrationInputs = cal.inputs().subList(0, Math.min(calibrationCount, cal.size()));
        }
        if (eval != null) {
            heldOut = InputFiles.read(eval, shape, mean, std, labels);
        }
        List<float[]> distil = null;
        if (shape.length == 2 && meta.containsKey("edgeinfer.channels")) {
            int channels = Integer.parseInt(meta.get("edgeinfer.channels"));
            int size = Integer.parseInt(meta.get("edgeinfer.window.size"));
            int slide = Integer.parseInt(meta.get("edgeinfer.window.slide"));
            pw.printf(
                    "sensor scorer (%d channels, windows of %d): held-out = the simulated held-out fleet, "
                            + "distillation on an unlabelled simulated fleet%n",
                    channels, size);
            if (heldOut == null) {
                List<LabelledWindow> windows = SensorModelFactory.heldOutWindows(channels, size, slide);
                heldOut = new InputFiles.Samples(
                        SensorModelFactory.features(windows),
                        windows.stream().mapToInt(w -> w.anomalous() ? 1 : 0).toArray());
            }
            SensorModelSpec unlabelled = new SensorModelSpec(
                    "unlabelled",
                    "v1",
                    channels,
                    size,
                    slide,
                    SensorTeacherModelFactory.spec().trainingKinds(),
                    32,
                    2_000,
                    SensorModelFactory.HELD_OUT_ANOMALY_RATE,
                    1,
                    77);
            distil = SensorModelFactory.features(SensorModelFactory.trainingWindows(unlabelled));
        }
        if (heldOut == null) {
            throw new OptimizationException("no held-out inputs: give --calibration and/or --eval");
        }
        pw.printf(
                "model %s (%d bytes), input %s, %d calibration and %d held-out inputs%n",
                model, Files.size(model), Arrays.toString(shape), calibrationInputs.size(), heldOut.size());
        pw.flush();
        ModelOptimizer.Request request = new ModelOptimizer.Request(
                model,
                calibrationInputs,
                heldOut,
                prune,
                ranking,
                !noQuantize,
                distil,
                threshold,
                latencyRuns,
                repeats);
        List<ModelOptimizer.Variant> variants = ModelOptimizer.run(request, out, line -> {
            pw.println("  " + line);
            pw.flush();
        });
        OptimizeReport.table(pw, variants);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", model.toString());
        req.put("modelBytes", Files.size(model));
        req.put("inputShape", shape);
        req.put("calibrationInputs", calibrationInputs.size());
        req.put("heldOutInputs", heldOut.size());
        req.put("pruneRatios", prune);
        req.put("ranking", ranking.name());
        req.put("latencyRunsPerMeasurement", latencyRuns);
        req.put("repeats", repeats);
        OptimizeReport.json(out.resolve("report.json"), req, variants);
        OptimizeReport.chart(
                out.resolve("quality-vs-latency.png"), model.getFileName() + ": quality vs latency", variants);
        pw.printf(
                "wrote %s, %s and the variants in %s%n",
                out.resolve("report.json"), out.resolve("quality-vs-latency.png"), out);
        pw.flush();
        return CommandLine.ExitCode.OK;
    }

    private void buildExample(PrintWriter pw) throws IOException {
        switch (example) {
            case "mobilenetv2", "mobilenetv2-small" -> {
                MobileNetV2StyleModelFactory.Spec s = example.equals("mobilenetv2")
                        ? MobileNetV2StyleModelFactory.Spec.standard()
                        : MobileNetV2StyleModelFactory.Spec.small();
                model = MobileNetV2StyleModelFactory.build(s, out).file();
                if (calibration == null && calibrationTopic == null) {
                    calibration = writeFrames(out.resolve("calibration"), 8, s.size(), 11);
                }
                if (eval == null) {
                    eval = writeFrames(out.resolve("heldout"), framesPerClass, s.size(), 12);
                }
                pw.printf("built %s and synthetic frames (%s, %s)%n", model, calibration, eval);
            }
            case "sensor" -> {
                model = SensorModelFactory.build(SensorModelSpec.v2(), out).file();
                pw.printf("built %s%n", model);
            }
            case "sensor-teacher" -> {
                model = SensorTeacherModelFactory.build(SensorTeacherModelFactory.spec(), out)
                        .file();
                pw.printf("built %s%n", model);
            }
            default ->
                throw new OptimizationException("unknown --example " + example
                        + "; known: mobilenetv2, mobilenetv2-small, sensor, sensor-teacher");
        }
    }

    /** PNG frames named {@code <label>-NNNN.png}, {@code perClass} per colour class. */
    static Path writeFrames(Path dir, int perClass, int size, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(seed);
        for (String label : SyntheticFrames.LABELS) {
            for (int i = 0; i < perClass; i++) {
                byte[] rgb = SyntheticFrames.rgb(label, size, size, random);
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                for (int p = 0; p < size * size; p++) {
                    img.setRGB(
                            p % size,
                            p / size,
                            (rgb[p * 3] & 0xff) << 16 | (rgb[p * 3 + 1] & 0xff) << 8 | (rgb[p * 3 + 2] & 0xff));
                }
                ImageIO.write(
                        img,
                        "png",
                        dir.resolve(String.format(Locale.ROOT, "%s-%04d.png", label, i))
                                .toFile());
            }
        }
        return dir;
    }

    private static float[] floats(String csv) {
        if (csv == null || csv.isBlank()) {
            return null;
        }
        String[] parts = csv.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i].trim());
        }
        return v;
    }
}

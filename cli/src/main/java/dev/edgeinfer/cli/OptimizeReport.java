package dev.edgeinfer.cli;

import dev.edgeinfer.optimize.Fidelity;
import dev.edgeinfer.optimize.ModelOptimizer;
import dev.edgeinfer.optimize.ModelOptimizer.Variant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code edgeinfer optimize} writes: the table on stdout, {@code report.json} and a chart of
 * quality against p50 latency with the Pareto front marked.
 */
final class OptimizeReport {

    private OptimizeReport() {}

    static void table(PrintWriter out, List<Variant> variants) {
        Variant original = variants.get(0);
        out.printf(
                Locale.ROOT,
                "%-13s %10s %6s %7s %8s %7s %7s %7s %7s %8s %8s %8s %7s%n",
                "variant",
                "size KB",
                "size",
                "top1=",
                "cosine",
                "acc",
                "err",
                "decide=",
                "recall",
                "p50 ms",
                "p99 ms",
                "per s",
                "speed");
        for (Variant v : variants) {
            if (!v.made()) {
                out.printf(Locale.ROOT, "%-13s %s%n", v.name(), v.note());
                continue;
            }
            Fidelity f = v.fidelity();
            out.printf(
                    Locale.ROOT,
                    "%-13s %10.1f %5.2fx %7s %8s %7s %7s %7s %7s %8.3f %8.3f %8.1f %6.2fx%n",
                    v.name(),
                    v.bytes() / 1024.0,
                    v.sizeRatio(),
                    pct(f.top1Agreement()),
                    num(f.meanCosine(), 5),
                    pct(f.accuracy()),
                    num(f.meanScoreError(), 4),
                    pct(f.decisionAgreement()),
                    pct(f.recall()),
                    v.latency().p50Ms(),
                    v.latency().p99Ms(),
                    v.latency().throughputPerSecond(),
                    v.latency().throughputPerSecond() / original.latency().throughputPerSecond());
        }
        for (Variant v : variants) {
            if (v.made()) {
                out.printf(Locale.ROOT, "  %-13s %s%n", v.name(), v.note());
            }
        }
        out.flush();
    }

    static void json(Path file, Map<String, Object> request, List<Variant> variants) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("request", request);
        root.put(
                "machine",
                Map.of(
                        "cpu",
                        cpuName(),
                        "cores",
                        Runtime.getRuntime().availableProcessors(),
                        "os",
                        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                        "intraOpThreads",
                        1));
        List<Map<String, Object>> list = new ArrayList<>();
        List<Integer> front = ModelOptimizer.paretoFront(variants);
        Variant original = variants.get(0);
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", v.name());
            m.put("made", v.made());
            m.put("note", v.note());
            if (v.made()) {
                m.put("file", v.file().toString());
                m.put("bytes", v.bytes());
                m.put("sizeRatio", v.sizeRatio());
                Fidelity f = v.fidelity();
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("samples", f.samples());
                put(fm, "top1Agreement", f.top1Agreement());
                put(fm, "meanCosine", f.meanCosine());
                put(fm, "accuracy", f.accuracy());
                put(fm, "referenceAccuracy", f.referenceAccuracy());
                put(fm, "meanScoreError", f.meanScoreError());
                put(fm, "decisionAgreement", f.decisionAgreement());
                put(fm, "recall", f.recall());
                put(fm, "referenceRecall", f.referenceRecall());
                put(fm, "precision", f.precision());
                m.put("fidelity", fm);
                m.put(
                        "latency",
                        Map.of(
                                "p50Ms",
                                v.latency().p50Ms(),
                                "p99Ms",
                                v.latency().p99Ms(),
                                "throughputPerSecond",
                                v.latency().throughputPerSecond(),
                                "timedRuns",
                                v.latency().runs(),
                                "speedup",
                                v.latency().throughputPerSecond()
                                        / original.latency().throughputPerSecond()));
                m.put("paretoOptimal", front.contains(i));
            }
            list.add(m);
        }
        root.put("variants", list);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    static void chart(Path file, String title, List<Variant> variants) throws IOException {
        XYSeries all = new XYSeries("variants", false, true);
        XYSeries pareto = new XYSeries("Pareto front", true, true);
        List<Integer> front = ModelOptimizer.paretoFront(variants);
        for (int i = 0; i < variants.size(); i++) {
            Variant v = variants.get(i);
            if (v.made()) {
                all.add(v.latency().p50Ms(), v.fidelity().quality());
                if (front.contains(i)) {
                    pareto.add(v.latency().p50Ms(), v.fidelity().quality());
                }
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(pareto);
        data.addSeries(all);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesLinesVisible(0, true);
        renderer.setSeriesShapesVisible(0, true);
        renderer.setSeriesPaint(0, new Color(0xD62728));
        renderer.setSeriesStroke(
                0, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f));
        renderer.setSeriesLinesVisible(1, false);
        renderer.setSeriesPaint(1, new Color(0x1F77B4));
        NumberAxis x = new NumberAxis("p50 latency, ms (ONNX Runtime, 1 intra-op thread, batch 1)");
        NumberAxis y = new NumberAxis("quality (accuracy vs labels; else recall, else agreement)");
        y.setAutoRangeIncludesZero(false);
        if (all.getItemCount() > 0) {
            y.setRange(all.getMinY() - 0.05, all.getMaxY() + 0.02);
        }
        x.setAutoRangeIncludesZero(true);
        x.setUpperMargin(0.15);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        for (Variant v : variants) {
            if (v.made()) {
                XYTextAnnotation a = new XYTextAnnotation(
                        "  " + v.name(), v.latency().p50Ms(), v.fidelity().quality());
                a.setTextAnchor(TextAnchor.BOTTOM_LEFT);
                a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                plot.addAnnotation(a);
            }
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
    }

    private static void put(Map<String, Object> m, String key, double value) {
        if (!Double.isNaN(value)) {
            m.put(key, value);
        }
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String num(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String cpuName() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}

package dev.edgeinfer.cli.bench;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws latency over time (p50 and p99 per bucket, by intended send time) for the pipeline and
 * the pass-through on one time axis (seconds since each open-loop phase started), with the
 * rollover's publication, switch and measured window marked and the p99 target drawn.
 */
public final class BenchChart {

    static final int WIDTH = 1400;
    static final int HEIGHT = 720;

    private BenchChart() {}

    public static void write(BenchReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        List<Color> colors = new java.util.ArrayList<>();
        List<BasicStroke> strokes = new java.util.ArrayList<>();
        for (BenchReport.Series s : report.series()) {
            boolean pipeline = s.name().startsWith("pipeline");
            for (String pct : List.of("p99", "p50")) {
                XYSeries xy = new XYSeries(s.name() + " " + pct, false, true);
                for (BenchMath.Bucket b : s.buckets()) {
                    if (b.count() > 0) {
                        xy.add(b.startSeconds(), Math.max(0.05, pct.equals("p99") ? b.p99() : b.p50()));
                    }
                }
                data.addSeries(xy);
                colors.add(pipeline ? (pct.equals("p99") ? new Color(0xC6, 0x28, 0x28) : new Color(0x15, 0x65, 0xC0))
                        : (pct.equals("p99") ? new Color(0xEF, 0x9A, 0x9A) : new Color(0x90, 0xCA, 0xF9)));
                strokes.add(pipeline ? new BasicStroke(2.2f)
                        : new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            }
        }

        NumberAxis x = new NumberAxis("seconds since the open-loop phase started (by intended send time; "
                + report.settings().bucketMs() + " ms buckets)");
        x.setAutoRangeIncludesZero(true);
        double maxX = report.settings().durationSeconds();
        x.setRange(0, Math.max(1, maxX));
        x.setTickUnit(new NumberTickUnit(maxX > 40 ? 5 : maxX > 15 ? 2 : 1));
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        LogAxis y = new LogAxis("end-to-end latency, ms (log scale)");
        y.setBase(10);
        y.setSmallestValue(0.05);
        y.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        double maxY = 1;
        double minY = 1;
        for (int i = 0; i < data.getSeriesCount(); i++) {
            XYSeries s = data.getSeries(i);
            if (s.getItemCount() > 0) {
                maxY = Math.max(maxY, s.getMaxY());
                minY = Math.min(minY, s.getMinY());
            }
        }
        // Whole decades, labelled 0.1 / 1 / 10 / 100, with unlabelled minor ticks in between.
        y.setRange(Math.pow(10, Math.floor(Math.log10(Math.max(0.05, minY)))), Math.pow(10, Math.ceil(Math.log10(Math.max(20, maxY * 1.2)))));
        y.setTickUnit(new NumberTickUnit(1));
        y.setMinorTickCount(9);
        y.setMinorTickMarksVisible(true);
        y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));

        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < colors.size(); i++) {
            renderer.setSeriesPaint(i, colors.get(i));
            renderer.setSeriesStroke(i, strokes.get(i));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);

        Font markerFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        if (report.targets() != null) {
            ValueMarker target = new ValueMarker(report.targets().p99LimitMs(), new Color(0x2E, 0x7D, 0x32),
                    new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
            target.setLabel("p99 target " + fmt(report.targets().p99LimitMs()) + " ms");
            target.setLabelFont(markerFont);
            target.setLabelPaint(new Color(0x2E, 0x7D, 0x32));
            target.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            target.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            plot.addRangeMarker(target);
        }
        BenchReport.Rollover r = report.rollover();
        if (r != null) {
            double half = r.windowMs() / 2000.0;
            IntervalMarker window = new IntervalMarker(r.activateAtSeconds() - half, r.activateAtSeconds() + half,
                    new Color(0xFF, 0xE0, 0x82, 90));
            window.setLabel("rollover window (p99 " + fmt(r.p99Window()) + " ms vs steady " + fmt(r.p99Steady()) + " ms)");
            window.setLabelFont(markerFont);
            window.setLabelAnchor(RectangleAnchor.BOTTOM);
            window.setLabelTextAnchor(TextAnchor.BOTTOM_CENTER);
            plot.addDomainMarker(window, Layer.BACKGROUND);
            ValueMarker active = new ValueMarker(r.activateAtSeconds(), new Color(0x6A, 0x1B, 0x9A), new BasicStroke(2f));
            active.setLabel(r.toVersion() + " active");
            active.setLabelFont(markerFont.deriveFont(Font.BOLD));
            active.setLabelPaint(new Color(0x6A, 0x1B, 0x9A));
            active.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            active.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(active);
            ValueMarker published = new ValueMarker(r.publishedAtSeconds(), new Color(0x6A, 0x1B, 0x9A),
                    new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 5f}, 0f));
            published.setLabel(r.toVersion() + " published");
            published.setLabelFont(markerFont);
            published.setLabelPaint(new Color(0x6A, 0x1B, 0x9A));
            published.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            published.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(published);
        }

        String title = String.format(Locale.ROOT, "edgeinfer bench --scenario %s: %.0f records/s, parallelism %d, batch %d",
                report.scenario(), report.settings().rate(), report.settings().parallelism(), report.settings().batchSize());
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 18), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle(String.format(Locale.ROOT,
                "pipeline p50 %s / p99 %s ms  |  pass-through p50 %s / p99 %s ms  |  p99 ratio %s  |  throughput %s %s/s = %s x bare ORT (%s/s)  |  %d cores, Java %s",
                fmt(report.pipeline().p50()), fmt(report.pipeline().p99()), fmt(report.passthrough().p50()),
                fmt(report.passthrough().p99()), fmt(report.ratios().p99VsPassthrough()),
                fmt0(report.pipeline().throughput()), report.unit(), fmt(report.ratios().throughputVsBareOrt()),
                fmt0(report.bareOrt().throughput()), report.machine().cores(), report.machine().jvm()),
                new Font(Font.SANS_SERIF, Font.PLAIN, 13)));
        chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    /**
     * The rollovers bench: resident memory and heap, open ONNX Runtime sessions and the p99
     * around each switch, one point per rollover, on a shared rollover axis.
     */
    public static void writeRollovers(RolloverReport report, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries rss = new XYSeries("RSS (MiB)");
        XYSeries heap = new XYSeries("heap used (MiB)");
        XYSeries sessions = new XYSeries("open ONNX Runtime sessions");
        XYSeries p99 = new XYSeries("p99 around the switch (ms)");
        for (RolloverReport.Rollover r : report.rollovers()) {
            rss.add(r.index(), r.rssMb());
            heap.add(r.index(), r.heapUsedMb());
            sessions.add(r.index(), r.openSessions());
            p99.add(r.index(), r.p99AroundSwitchMs());
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("rollover"));
        plot.add(subplot("MiB", new Color(0xC6, 0x28, 0x28), rss, heap), 3);
        plot.add(subplot("sessions", new Color(0x6A, 0x1B, 0x9A), sessions), 1);
        plot.add(subplot("ms", new Color(0x15, 0x65, 0xC0), p99), 2);
        RolloverReport.Summary s = report.summary();
        JFreeChart chart = new JFreeChart(String.format(Locale.ROOT,
                "edgeinfer bench --scenario rollovers: %d rollovers at %.0f records/s, parallelism %d",
                report.settings().count(), report.settings().rate(), report.settings().parallelism()),
                new Font(Font.SANS_SERIF, Font.BOLD, 18), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle(String.format(Locale.ROOT,
                "RSS %s -> %s MiB (%+.1f%%, limit %.0f%%)  |  sessions at most %d then %d  |  %s  |  %d cores, Java %s",
                fmt(s.baselineRssMb()), fmt(s.finalRssMb()), s.rssGrowthPercent(), RolloverReport.MAX_RSS_GROWTH_PERCENT,
                s.maxSessionsFirstHalf(), s.maxSessionsSecondHalf(), s.passed() ? "PASSED" : "FAILED",
                report.machine().cores(), report.machine().jvm()), new Font(Font.SANS_SERIF, Font.PLAIN, 13)));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    private static XYPlot subplot(String axis, Color color, XYSeries... series) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.length; i++) {
            data.addSeries(series[i]);
            renderer.setSeriesPaint(i, i == 0 ? color : color.brighter().brighter());
            renderer.setSeriesStroke(i, new BasicStroke(i == 0 ? 2f : 1.4f));
        }
        NumberAxis y = new NumberAxis(axis);
        y.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, null, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        return plot;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    private static String fmt0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }
}

package dev.edgeinfer.broadcast.status;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How one model version did on one subtask during one heartbeat interval, carried by a
 * {@link ModelStatus.State#HEARTBEAT} report: volume, errors, inference latency, the output
 * distribution, and where it ran (variant, hardware, site labels, watermark lag, uptime).
 *
 * <pre>{@code
 * ModelHealth h = status.health();
 * double errorRate = h.scored() == 0 ? 0 : (double) h.errors() / h.scored();
 * double anomalyRate = h.anomalyRate();
 * List<Long> bins = h.scoreBins();   // SCORE_BINS counts over [0, 1]
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Counts cover exactly the interval since this version's
 * previous heartbeat on this subtask ({@code intervalMillis}, wall clock); they are not
 * cumulative ({@link ModelStatus#scoredRecords()} is) and restart from zero after a failover, so a
 * reader sums intervals rather than differencing them. The size is bounded whatever the traffic:
 * {@value #SCORE_BINS} score bins, at most {@value #MAX_CLASSES} classes (the most frequent; the
 * rest are summed in {@code otherClasses}), at most {@value #MAX_LABELS} site labels, and strings
 * cut to {@value #MAX_TEXT} characters, so a heartbeat's JSON stays under about 2 KB. Latency
 * quantiles are per model call (one micro-batch), in microseconds, with a relative error of at
 * most 1/8 (log-linear buckets); {@code null} when nothing was scored. {@code errors} counts the
 * records of batches whose model call failed plus the records with a non-finite output
 * ({@code nonFinite}); a failed call also fails the task, so its count may never reach the topic.
 *
 * @param intervalMillis wall-clock length of the interval these counts cover
 * @param scored records scored in the interval
 * @param errors records that failed: of a failed model call, or with a NaN/Inf output
 * @param nonFinite records whose output score was NaN or infinite (included in {@code errors})
 * @param anomalies records whose output counts as an anomaly (the model's own rule)
 * @param latencyP50Micros median model-call latency, or {@code null}
 * @param latencyP99Micros 99th-percentile model-call latency, or {@code null}
 * @param scoreBins {@value #SCORE_BINS} counts of output scores over {@code [0, 1]} (bin {@code i}
 *     holds {@code [i/10, (i+1)/10)}, the last also 1.0; below 0 counts in bin 0, above 1 in the
 *     last); all zero when the model reports no score
 * @param topClasses top-1 class index &rarr; count, for classifiers (empty otherwise)
 * @param otherClasses top-1 counts of the classes left out of {@code topClasses}
 * @param variant which build of the version scored: for now its sha256
 * @param cores processors available to the TaskManager JVM
 * @param cpuModel the CPU model name (or the architecture when unknown)
 * @param siteLabels the site's labels ({@code key=value}), as configured
 * @param watermarkLagMillis wall clock minus the subtask's watermark, or {@code null} before the first watermark
 * @param uptimeMillis since the subtask opened
 * @param shadow for a shadow version's heartbeat: how it compared with the serving version
 *     ({@link ShadowHealth}); {@code null} for a serving version
 */
public record ModelHealth(
        long intervalMillis,
        long scored,
        long errors,
        long nonFinite,
        long anomalies,
        Long latencyP50Micros,
        Long latencyP99Micros,
        List<Long> scoreBins,
        Map<Integer, Long> topClasses,
        long otherClasses,
        String variant,
        int cores,
        String cpuModel,
        Map<String, String> siteLabels,
        Long watermarkLagMillis,
        long uptimeMillis,
        ShadowHealth shadow)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Number of fixed score bins over {@code [0, 1]}. */
    public static final int SCORE_BINS = 10;
    /** Most top-1 classes a heartbeat lists. */
    public static final int MAX_CLASSES = 16;
    /** Most site labels a heartbeat carries. */
    public static final int MAX_LABELS = 16;
    /** Longest string field, in characters. */
    public static final int MAX_TEXT = 128;

    public ModelHealth {
        nonNegative("intervalMillis", intervalMillis);
        nonNegative("scored", scored);
        nonNegative("errors", errors);
        nonNegative("nonFinite", nonFinite);
        nonNegative("anomalies", anomalies);
        nonNegative("otherClasses", otherClasses);
        nonNegative("uptimeMillis", uptimeMillis);
        Objects.requireNonNull(scoreBins, "scoreBins");
        if (scoreBins.size() != SCORE_BINS) {
            throw new IllegalArgumentException(
                    "scoreBins must have " + SCORE_BINS + " counts, got " + scoreBins.size());
        }
        scoreBins.forEach(c -> nonNegative("scoreBins[]", Objects.requireNonNull(c, "scoreBins[]")));
        scoreBins = List.copyOf(scoreBins);
        topClasses = bounded("topClasses", topClasses, MAX_CLASSES);
        topClasses.values().forEach(c -> nonNegative("topClasses[]", c));
        siteLabels = bounded("siteLabels", siteLabels, MAX_LABELS);
        variant = cut(variant);
        cpuModel = cut(cpuModel);
        if (cores < 0) {
            throw new IllegalArgumentException("cores must be >= 0, got " + cores);
        }
    }

    /** The health of a serving version (no {@link #shadow()}). */
    public ModelHealth(long intervalMillis, long scored, long errors, long nonFinite, long anomalies,
            Long latencyP50Micros, Long latencyP99Micros, List<Long> scoreBins, Map<Integer, Long> topClasses,
            long otherClasses, String variant, int cores, String cpuModel, Map<String, String> siteLabels,
            Long watermarkLagMillis, long uptimeMillis) {
        this(intervalMillis, scored, errors, nonFinite, anomalies, latencyP50Micros, latencyP99Micros, scoreBins,
                topClasses, otherClasses, variant, cores, cpuModel, siteLabels, watermarkLagMillis, uptimeMillis, null);
    }

    /** This health with {@code shadow} (a shadow version's comparison with the serving one). */
    public ModelHealth withShadow(ShadowHealth shadow) {
        return new ModelHealth(intervalMillis, scored, errors, nonFinite, anomalies, latencyP50Micros,
                latencyP99Micros, scoreBins, topClasses, otherClasses, variant, cores, cpuModel, siteLabels,
                watermarkLagMillis, uptimeMillis, shadow);
    }

    /** {@code anomalies / scored}, 0 when nothing was scored. */
    public double anomalyRate() {
        return scored == 0 ? 0 : (double) anomalies / scored;
    }

    /** {@code errors / (scored + errors)}, 0 when nothing was attempted. */
    public double errorRate() {
        long attempted = scored + errors - nonFinite; // non-finite records were scored too
        return attempted == 0 ? 0 : (double) errors / attempted;
    }

    private static void nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
    }

    private static <K extends Comparable<K>, V> Map<K, V> bounded(String field, Map<K, V> map, int max) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        if (map.size() > max) {
            throw new IllegalArgumentException(field + " must have at most " + max + " entries, got " + map.size());
        }
        return Collections.unmodifiableMap(new TreeMap<>(map));
    }

    private static String cut(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}

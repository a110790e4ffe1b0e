package dev.edgeinfer.broadcast.status;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How a shadow version compared with the serving version on one subtask during one heartbeat
 * interval: carried in the {@link ModelHealth#shadow()} of the shadow version's heartbeat (whose
 * other fields are the shadow's own volume, errors, latency and score distribution).
 *
 * <pre>{@code
 * ShadowHealth s = heartbeat.health().shadow();    // null: not a shadow
 * if (s != null && s.compared() > 0) {
 *     double agreement = s.agreement();             // decisions (or top-1 classes) that agree
 *     double meanDelta = s.meanAbsDelta();          // mean |shadow score - serving score|
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Counts cover the interval since the shadow version's
 * previous heartbeat on that subtask, like every {@link ModelHealth} count. A record is
 * <em>compared</em> when both versions scored it; it <em>agrees</em> when both take the same
 * decision: the same top-1 class for a classifier, otherwise the same anomaly verdict.
 * Records the shadow applied to but could not score (still staging, or its call failed) are
 * {@code skipped}, never compared; a failed shadow call is also counted in the heartbeat's
 * {@code errors}. Deltas are over records whose two scores are finite. Bounded:
 * {@value #DELTA_BINS} delta bins, the serving version cut to {@value ModelHealth#MAX_TEXT}
 * characters. The serving version is the one compared against last in the interval (usually
 * the only one).
 *
 * @param servingVersion the version the shadow was compared against (the last one in the interval), or {@code null}
 * @param compared records scored by both versions
 * @param agreed compared records on which both took the same decision ({@code <= compared})
 * @param meanAbsDelta mean {@code |shadow score - serving score|}, or {@code null} without a finite pair
 * @param maxAbsDelta largest {@code |shadow score - serving score|}, or {@code null} without a finite pair
 * @param deltaBins {@value #DELTA_BINS} counts of {@code |delta|}: {@code [0, 0.001)},
 *     {@code [0.001, 0.01)}, {@code [0.01, 0.1)}, {@code [0.1, 0.5)}, {@code [0.5, +inf)}
 * @param skipped records the shadow applied to but did not score (staging, or a failed call)
 */
public record ShadowHealth(
        String servingVersion,
        long compared,
        long agreed,
        Double meanAbsDelta,
        Double maxAbsDelta,
        List<Long> deltaBins,
        long skipped)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Number of {@code |delta|} bins. */
    public static final int DELTA_BINS = 5;
    /** The upper edges of the first {@code DELTA_BINS - 1} bins; the last is unbounded. */
    private static final double[] EDGES = {0.001, 0.01, 0.1, 0.5};

    public ShadowHealth {
        if (compared < 0 || agreed < 0 || agreed > compared || skipped < 0) {
            throw new IllegalArgumentException("shadow counts must be >= 0 and agreed <= compared, got compared="
                    + compared + " agreed=" + agreed + " skipped=" + skipped);
        }
        Objects.requireNonNull(deltaBins, "deltaBins");
        if (deltaBins.size() != DELTA_BINS) {
            throw new IllegalArgumentException("deltaBins must have " + DELTA_BINS + " counts, got " + deltaBins.size());
        }
        for (Long c : deltaBins) {
            if (c == null || c < 0) {
                throw new IllegalArgumentException("deltaBins must hold counts >= 0, got " + deltaBins);
            }
        }
        deltaBins = List.copyOf(deltaBins);
        servingVersion = servingVersion == null || servingVersion.length() <= ModelHealth.MAX_TEXT
                ? servingVersion
                : servingVersion.substring(0, ModelHealth.MAX_TEXT);
    }

    /** {@code agreed / compared}, or {@code NaN} when nothing was compared. */
    public double agreement() {
        return compared == 0 ? Double.NaN : (double) agreed / compared;
    }

    /** The bin of a finite {@code |delta|} (see {@code deltaBins}). */
    public static int deltaBin(double absDelta) {
        for (int i = 0; i < EDGES.length; i++) {
            if (absDelta < EDGES[i]) {
                return i;
            }
        }
        return DELTA_BINS - 1;
    }
}

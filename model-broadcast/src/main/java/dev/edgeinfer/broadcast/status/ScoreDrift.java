package dev.edgeinfer.broadcast.status;

/**
 * How far apart two output distributions are, as the population stability index (PSI) of their
 * {@link ModelHealth#scoreBins() score bins}: {@code sum((p - q) * ln(p / q))} over the bins, each
 * share floored at {@value #FLOOR} so empty bins stay finite.
 *
 * <pre>{@code
 * double psi = ScoreDrift.psi(candidateBins, previousVersionBins);  // > 0.25: a shift
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Symmetric, {@code >= 0}, 0 for identical shares and when either
 * side is empty. Rules of thumb: below 0.1 no change, 0.1-0.25 some, above 0.25 a shift.
 */
public final class ScoreDrift {

    /** The smallest share a bin counts with. */
    public static final double FLOOR = 1e-4;

    private ScoreDrift() {}

    /** The PSI of two histograms of counts over the same bins. */
    public static double psi(long[] actual, long[] expected) {
        double[] a = new double[actual.length];
        double[] e = new double[expected.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        return psi(a, e);
    }

    /**
     * The PSI of two distributions over the same bins given as weights (counts, or shares such as
     * a per-bin median of several sites' shares): each side is normalised to sum to 1 first.
     */
    public static double psi(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(
                    "bins differ in length: " + actual.length + " and " + expected.length);
        }
        double a = 0;
        double e = 0;
        for (int i = 0; i < actual.length; i++) {
            a += actual[i];
            e += expected[i];
        }
        if (a == 0 || e == 0) {
            return 0;
        }
        double psi = 0;
        for (int i = 0; i < actual.length; i++) {
            double p = Math.max(FLOOR, actual[i] / a);
            double q = Math.max(FLOOR, expected[i] / e);
            psi += (p - q) * Math.log(p / q);
        }
        return psi;
    }
}

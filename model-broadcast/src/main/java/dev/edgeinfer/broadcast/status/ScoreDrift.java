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
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(
                    "bins differ in length: " + actual.length + " and " + expected.length);
        }
        long a = 0;
        long e = 0;
        for (int i = 0; i < actual.length; i++) {
            a += actual[i];
            e += expected[i];
        }
        if (a == 0 || e == 0) {
            return 0;
        }
        double psi = 0;
        for (int i = 0; i < actual.length; i++) {
            double p = Math.max(FLOOR, (double) actual[i] / a);
            double q = Math.max(FLOOR, (double) expected[i] / e);
            psi += (p - q) * Math.log(p / q);
        }
        return psi;
    }
}

package dev.edgeinfer.cli.fleet;

/**
 * The population stability index of two binned distributions: {@code sum((p - q) * ln(p / q))}
 * over the bins, each share floored at {@value #FLOOR} so empty bins stay finite. Rules of thumb:
 * below 0.1 no change, 0.1-0.25 some, above 0.25 a shift.
 */
final class Psi {

    static final double FLOOR = 1e-4;

    private Psi() {}

    /** Of two distributions given as shares (each summing to 1, or all zero: then 0). */
    static double of(double[] actual, double[] expected) {
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

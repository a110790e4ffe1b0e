package dev.edgeinfer.broadcast.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScoreDriftTest {

    @Test
    void identicalDistributionsHaveNoDriftWhateverTheirScale() {
        assertThat(ScoreDrift.psi(new long[] {10, 30, 60}, new long[] {1, 3, 6})).isZero();
        assertThat(ScoreDrift.psi(new double[] {0.1, 0.3, 0.6}, new double[] {10, 30, 60})).isCloseTo(0, within(1e-12));
    }

    @Test
    void countsAndSharesOfTheSameDistributionsGiveTheSamePsiAndItIsSymmetric() {
        long[] a = {500, 200, 100, 60, 40, 30, 25, 20, 15, 10};
        long[] b = {10, 15, 20, 25, 30, 40, 60, 100, 200, 500};
        double[] shares = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            shares[i] = a[i] / 1000.0;
        }
        double psi = ScoreDrift.psi(a, b);
        assertThat(psi).isGreaterThan(0.25);
        assertThat(ScoreDrift.psi(b, a)).isCloseTo(psi, within(1e-12));
        double[] bd = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            bd[i] = b[i];
        }
        assertThat(ScoreDrift.psi(shares, bd)).isCloseTo(psi, within(1e-12));
    }

    @Test
    void aKnownShiftHasTheTextbookValue() {
        // p = (0.5, 0.5), q = (0.25, 0.75): (0.25 ln 2) + (-0.25 ln(2/3)) = 0.2747
        assertThat(ScoreDrift.psi(new long[] {1, 1}, new long[] {1, 3})).isCloseTo(0.2747, within(1e-4));
    }

    @Test
    void anEmptySideIsNoEvidenceAndMismatchedBinsAreRefused() {
        assertThat(ScoreDrift.psi(new long[] {0, 0}, new long[] {1, 3})).isZero();
        assertThatThrownBy(() -> ScoreDrift.psi(new double[] {1}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 and 2");
    }
}

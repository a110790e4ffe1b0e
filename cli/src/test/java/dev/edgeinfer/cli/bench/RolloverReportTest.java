package dev.edgeinfer.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class RolloverReportTest {

    private static final double[] FLAT_RSS = {1000, 1002, 1004, 1010, 1012, 1013, 1014, 1015, 1015, 1016};
    private static final int[] BOUNDED_SESSIONS = {4, 6, 8, 10, 10, 10, 10, 10, 10, 10};

    /** The verdict over one rollover per entry (parallelism 2), nothing lost or misrouted unless said. */
    private static RolloverReport.Summary verdict(double[] rss, int[] sessions, long lost, long misrouted) {
        List<RolloverReport.Rollover> list = new ArrayList<>();
        for (int i = 0; i < rss.length; i++) {
            list.add(new RolloverReport.Rollover(i + 1, "r" + (i + 1), 2.0 * (i + 1), rss[i], 100, sessions[i], 10, 100));
        }
        return RolloverReport.summarize(list, 2, lost, 0, misrouted, Map.of());
    }

    @Test
    void flatMemoryAndSessionsThatStopGrowingPass() {
        RolloverReport.Summary s = verdict(FLAT_RSS, BOUNDED_SESSIONS, 0, 0);
        // Medians of the first fifth (1000, 1002) and of the last fifth (1015, 1016).
        assertThat(List.of(s.baselineRssMb(), s.finalRssMb(), s.rssGrowthPercent())).containsExactly(1001.0, 1015.5, 1.4);
        assertThat(List.of(s.maxSessionsFirstHalf(), s.maxSessionsSecondHalf())).containsExactly(10, 10);
        assertThat(s.passed()).isTrue();
    }

    @Test
    void residentMemoryGrowingMoreThanFivePercentFails() {
        double[] growing = {1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080, 1090};
        RolloverReport.Summary s = verdict(growing, BOUNDED_SESSIONS, 0, 0);
        assertThat(s.rssGrowthPercent()).isEqualTo(8.0);
        assertThat(s.passed()).isFalse();
    }

    @Test
    void sessionsThatKeepGrowingWithTheRolloversFail() {
        RolloverReport.Summary s = verdict(FLAT_RSS, new int[] {2, 4, 6, 8, 10, 12, 14, 16, 18, 20}, 0, 0);
        assertThat(List.of(s.maxSessionsFirstHalf(), s.maxSessionsSecondHalf())).containsExactly(10, 20);
        assertThat(s.passed()).isFalse();
    }

    @Test
    void aLostOrMisroutedOutputFails() {
        assertThat(verdict(FLAT_RSS, BOUNDED_SESSIONS, 1, 0).passed()).isFalse();
        assertThat(verdict(FLAT_RSS, BOUNDED_SESSIONS, 0, 1).passed()).isFalse();
    }
}

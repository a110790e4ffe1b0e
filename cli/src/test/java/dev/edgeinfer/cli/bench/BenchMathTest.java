package dev.edgeinfer.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The pure parts of {@code edgeinfer bench}: schedule, percentiles, buckets, drain rate, ratios, JSON, chart. */
class BenchMathTest {

    @Test
    void scheduleIsOpenLoopAndEventTimesIdentifyRecords() {
        LoadSchedule s = new LoadSchedule(1_764_280_000_000_123L, 5_000_000L, 2000, 20);
        assertThat(s.dueNanos(0)).isEqualTo(5_000_000L);
        assertThat(s.dueNanos(4)).isEqualTo(5_000_000L + 2_000_000L);          // 0.5 ms apart
        assertThat(s.intendedEpochMicros(3, 2)).isEqualTo(1_764_280_000_000_123L + 43 * 500);
        for (int d = 0; d < 20; d++) {
            for (long seq = 0; seq < 2_000; seq++) {
                assertThat(s.seqOf(d, s.eventTimeMs(d, seq))).isEqualTo(seq);
            }
        }
        assertThat(s.seqOf(0, s.eventTimeMs(0, 0) - 50)).isEqualTo(-1);
        assertThat(LoadSchedule.minDevices(2000)).isEqualTo(2);
        assertThatThrownBy(() -> new LoadSchedule(0, 0, 2000, 1)).hasMessageContaining("at least 2");
    }

    @Test
    void statsAndBuckets() {
        List<LatencySample> samples = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            // 0..999 ms of intended time, latency i % 100 + 1 ms
            samples.add(new LatencySample(i * 1_000L, (i % 100 + 1) * 1_000L, i, "v1", "dev-0000"));
        }
        BenchMath.Stats all = BenchMath.stats(samples, s -> true);
        assertThat(all.count()).isEqualTo(1000);
        assertThat(all.p50()).isCloseTo(50, within(0.1));
        assertThat(all.p99()).isCloseTo(99, within(0.1));
        assertThat(all.max()).isCloseTo(100, within(0.1));
        assertThat(BenchMath.stats(samples, s -> s.offsetMicros() >= 900_000).count()).isEqualTo(100);
        assertThat(BenchMath.stats(List.of(), s -> true)).isEqualTo(BenchMath.Stats.EMPTY);

        List<BenchMath.Bucket> buckets = BenchMath.buckets(samples, 250_000);
        assertThat(buckets).hasSize(4);
        assertThat(buckets).extracting(BenchMath.Bucket::startSeconds).containsExactly(0.0, 0.25, 0.5, 0.75);
        assertThat(buckets).allSatisfy(b -> assertThat(b.count()).isEqualTo(250));
        assertThat(buckets.get(0).max()).isCloseTo(100, within(0.1));

        // A gap stays visible as an empty bucket.
        List<BenchMath.Bucket> gap = BenchMath.buckets(List.of(
                new LatencySample(0, 1_000, 0, null, "k"), new LatencySample(1_000_000, 2_000, 0, null, "k")), 250_000);
        assertThat(gap).extracting(BenchMath.Bucket::count).containsExactly(1L, 0L, 0L, 0L, 1L);
    }

    @Test
    void drainRateUsesTheMiddleOfTheBacklog() {
        long[] arrivals = new long[1000];
        for (int i = 0; i < arrivals.length; i++) {
            // slow start (first 100 over 1 s), then 1,000 outputs/s
            arrivals[i] = i < 100 ? i * 10_000_000L : 1_000_000_000L + (i - 100) * 1_000_000L;
        }
        assertThat(BenchMath.drainRate(arrivals, 1000, 0.1, 0.9)).isCloseTo(1000, within(1.0));
        // Incomplete backlog: the newest output ends the interval.
        assertThat(BenchMath.drainRate(java.util.Arrays.copyOf(arrivals, 500), 1000, 0.1, 0.9)).isCloseTo(1000, within(1.0));
        assertThat(BenchMath.drainRate(new long[] {1}, 1000, 0.1, 0.9)).isZero();
    }

    @Test
    void ratiosAndTargets() {
        assertThat(BenchMath.ratio(3, 2)).isEqualTo(1.5);
        assertThat(BenchMath.ratio(1, 3)).isEqualTo(0.333);
        assertThat(BenchMath.ratio(1, 0)).isZero();
        BenchReport r = sampleReport();
        assertThat(r.ratios().throughputVsBareOrt()).isEqualTo(0.01);
        assertThat(r.ratios().p99VsPassthrough()).isEqualTo(1.2);
        assertThat(r.ratios().rolloverP99()).isEqualTo(1.1);
        assertThat(r.targets().p99Met()).isTrue();
        assertThat(r.targets().p99VsPassthroughMet()).isTrue();
        assertThat(r.targets().rolloverP99Met()).isTrue();
    }

    @Test
    void jsonHasTheContractFieldNames() throws Exception {
        JsonNode json = JsonMapper.builder().build().readTree(sampleReport().toJson());
        for (String path : List.of("/bareOrt/throughput", "/passthrough/p50", "/passthrough/p99", "/pipeline/throughput",
                "/pipeline/p50", "/pipeline/p99", "/rollover/p99Window", "/rollover/p99Steady", "/ratios/throughputVsBareOrt",
                "/ratios/p99VsPassthrough", "/ratios/rolloverP99", "/machine/cores", "/machine/jvm", "/settings/rate",
                "/settings/parallelism", "/settings/batchSize")) {
            assertThat(json.at(path).isMissingNode()).as(path).isFalse();
            assertThat(json.at(path).isValueNode()).as(path).isTrue();
        }
    }

    @Test
    void chartIsWrittenAndNotEmpty(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/chart.png");
        BenchChart.write(sampleReport(), png);
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(10_000);
        assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void chartDefaultsNextToTheJson() {
        assertThat(dev.edgeinfer.cli.BenchCommandAccess.siblingPng(Path.of("/tmp/b.json"))).isEqualTo(Path.of("/tmp/b.png"));
    }

    static BenchReport sampleReport() {
        List<LatencySample> samples = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            samples.add(new LatencySample(i * 2_000L, 2_000 + (i % 50) * 100L + (i == 2500 ? 30_000 : 0), i, "v1", "dev-0001"));
        }
        BenchReport.BareOrt bare = new BenchReport.BareOrt(100_000, 500_000, 5, 2, 1, BenchMath.Stats.EMPTY, 90_000, 110_000);
        BenchReport.Passthrough pass = new BenchReport.Passthrough(2, 5, 8, 9, 1000, 30_000, 200_000);
        BenchReport.Pipeline pipe = new BenchReport.Pipeline(1000, 4000, 3, 6, 9, 10, 900, 200_000, true, 950, 0, 0, 0,
                Map.of("v1", 500L, "v2", 450L), 1.5);
        BenchReport.Rollover roll = new BenchReport.Rollover(6.6, 6, 6.2, "v1", "v2", 4, 0.5, 5000, 100, 800);
        BenchReport.Ratios ratios = BenchReport.ratios(bare, pass, pipe, roll);
        return new BenchReport("sensor", "windows", bare, pass, pipe, roll, ratios, BenchReport.targets(pipe, ratios, true),
                BenchReport.Machine.current(),
                new BenchReport.Settings(2000, 8, 2, 1, 0, false, 20, 2, 200_000, 5, 10, true, 4, "AT_LEAST_ONCE",
                        "intra-op threads 1, ALL_OPT", 250, 42),
                List.of(new BenchReport.Series("pipeline", BenchMath.buckets(samples, 250_000)),
                        new BenchReport.Series("pass-through", BenchMath.buckets(samples.subList(0, 3000), 250_000))));
    }
}
